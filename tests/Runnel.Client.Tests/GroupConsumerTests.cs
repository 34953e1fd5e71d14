using Runnel.Client.Tests.Infrastructure;
using Xunit.Abstractions;
using Runnel.Grains;

namespace Runnel.Client.Tests;

/// <summary>Group consumers against a group grain: assignment and rebalances, crashes, static members, rolling
/// restarts, commits, offset reset policy, max poll interval. Run against the fake group grain (the contract in memory)
/// and the real <see cref="ConsumerGroupGrain"/> (durable, on the silo's file store).</summary>
public abstract class GroupConsumerTests(FakeCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly FakeCluster _cluster = cluster;

    protected FakeCluster Cluster => _cluster;

    internal static ConsumerOptions GroupOptions(string group) => ConsumerOptions.Default with
    {
        GroupId = group,
        FetchMaxWait = TimeSpan.FromMilliseconds(50),
        SessionTimeout = TimeSpan.FromSeconds(2),
        AutoCommitInterval = TimeSpan.FromMilliseconds(200),
        AutoOffsetReset = AutoOffsetReset.Earliest,
        CloseTimeout = TimeSpan.FromSeconds(3),
        RetryBackoff = TimeSpan.FromMilliseconds(20),
        RetryBackoffMax = TimeSpan.FromMilliseconds(200),
    };

    internal static string NewGroup() => "g-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Produces <paramref name="perPartition"/> records to every partition; values name partition and index.</summary>
    private async Task ProduceAsync(string topic, int partitions, int perPartition, int start = 0, DateTimeOffset? timestamp = null)
    {
        await using var producer = _cluster.Connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(1) });
        var tasks = new List<Task<DeliveryResult<string, string>>>();
        for (var p = 0; p < partitions; p++)
        {
            for (var i = start; i < start + perPartition; i++)
            {
                tasks.Add(producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Value = $"p{p}-{i}", Timestamp = timestamp?.AddSeconds(i) }));
            }
        }

        await Task.WhenAll(tasks).WaitAsync(Guard);
    }

    private static HashSet<(TopicPartition, long)> AllOffsets(string topic, int partitions, int perPartition) =>
        [.. Enumerable.Range(0, partitions).SelectMany(p => Enumerable.Range(0, perPartition).Select(o => (new TopicPartition(topic, p), (long)o)))];

    private static bool Split(OwnershipLog log, int members, int each) =>
        log.Owners() is var owners && owners.Count == members && owners.Values.All(v => v.Count == each);

    [Fact]
    public async Task Subscribe_ThreeThenFourMembersOverTwelvePartitions_EvenSplitThreeMoveNoOverlap()
    {
        var topic = await _cluster.CreateTopicAsync(12);
        var group = NewGroup();
        await ProduceAsync(topic, 12, 10);
        var log = new OwnershipLog();
        var workers = Enumerable.Range(0, 3).Select(i => new GroupWorker($"w{i}", _cluster.Connection.Grains, GroupOptions(group), [topic], log)).ToList();

        await log.UntilAsync(() => Split(log, 3, 4), Guard, "3 members with 4 partitions each");
        await log.UntilAsync(() => log.ConsumedOffsets().IsSupersetOf(AllOffsets(topic, 12, 10)), Guard, "every record consumed");
        var before = log.Owners().SelectMany(o => o.Value.Select(p => (p, o.Key))).ToDictionary(x => x.p, x => x.Key);

        workers.Add(new GroupWorker("w3", _cluster.Connection.Grains, GroupOptions(group), [topic], log));
        await log.UntilAsync(() => Split(log, 4, 3), Guard, "4 members with 3 partitions each");
        await ProduceAsync(topic, 12, 10, start: 10);
        await log.UntilAsync(() => log.ConsumedOffsets().IsSupersetOf(AllOffsets(topic, 12, 20)), Guard, "every record consumed after the rebalance");

        var after = log.Owners().SelectMany(o => o.Value.Select(p => (p, o.Key))).ToDictionary(x => x.p, x => x.Key);
        after.Count(a => before[a.Key] != a.Value).Should().Be(3, "sticky assignment moves exactly the 3 partitions the new member takes");
        after.Where(a => a.Value == "w3").Should().HaveCount(3);
        log.Overlaps().Should().BeEmpty("a partition is taken up only after its previous owner revoked it");
        log.Violations.Should().BeEmpty();
        workers.Should().OnlyContain(w => w.Error == null);
        foreach (var w in workers)
        {
            await w.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_MemberCrashes_OthersResumeFromCommittedOffsetsNothingLost()
    {
        var topic = await _cluster.CreateTopicAsync(6);
        var group = NewGroup();
        await _cluster.Connection.Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToEarliest());
        var options = GroupOptions(group) with { AutoOffsetReset = AutoOffsetReset.Error }; // a missing commit would fail loudly
        var log = new OwnershipLog();
        var workers = Enumerable.Range(0, 3).Select(i => new GroupWorker($"w{i}", _cluster.Connection.Grains, options, [topic], log)).ToList();
        await log.UntilAsync(() => Split(log, 3, 2), Guard, "3 members with 2 partitions each");
        await ProduceAsync(topic, 6, 20);
        await log.UntilAsync(() => log.ConsumedOffsets().IsSupersetOf(AllOffsets(topic, 6, 20)), Guard, "every record consumed");

        var victim = workers[0];
        var victimPartitions = log.Owners()[victim.Name];
        await victim.CrashAsync();
        var crashedAt = log.Now;
        var committed = (await victim.Consumer.CommittedAsync(victimPartitions)).ToDictionary(o => o.TopicPartition, o => o.Offset);
        await ProduceAsync(topic, 6, 20, start: 20);

        await log.UntilAsync(() => Split(log, 2, 3), Guard, "the survivors own all 6 partitions");
        await log.UntilAsync(() => log.ConsumedOffsets().IsSupersetOf(AllOffsets(topic, 6, 40)), Guard, "every record consumed after the crash");
        var takeover = log.Intervals().Where(i => victimPartitions.Contains(i.Partition) && i.Member != victim.Name && i.Start > crashedAt).ToList();
        takeover.Should().HaveCount(victimPartitions.Count);
        takeover.Min(i => i.Start - crashedAt).Should().BeGreaterThan(TimeSpan.FromSeconds(1), "the victim's partitions wait for its session to expire");
        foreach (var p in victimPartitions)
        {
            var firstBySurvivor = log.Consumed.Where(c => c.Partition == p && c.Member != victim.Name).Min(c => c.Offset);
            firstBySurvivor.Should().Be(committed.GetValueOrDefault(p), $"{p} resumes at the victim's last commit");
        }

        log.Violations.Should().BeEmpty();
        workers.Should().OnlyContain(w => w.Error == null);
        foreach (var w in workers.Skip(1))
        {
            await w.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_StaticMemberRestartsWithinSession_SamePartitionsAndNoRevocationElsewhere()
    {
        var topic = await _cluster.CreateTopicAsync(4);
        var group = NewGroup();
        var log = new OwnershipLog();
        var a = new GroupWorker("a", _cluster.Connection.Grains, GroupOptions(group) with { InstanceId = "a", SessionTimeout = TimeSpan.FromSeconds(5) }, [topic], log);
        var b = new GroupWorker("b", _cluster.Connection.Grains, GroupOptions(group) with { InstanceId = "b", SessionTimeout = TimeSpan.FromSeconds(5) }, [topic], log);
        await log.UntilAsync(() => Split(log, 2, 2), Guard, "2 static members with 2 partitions each");
        var aPartitions = log.Owners()["a"].ToHashSet();
        var bIntervals = log.Intervals().Count(i => i.Member == "b");

        var restartedAt = log.Now;
        await a.StopAsync(); // a temporary leave: the partitions stay reserved
        var again = new GroupWorker("a2", _cluster.Connection.Grains, GroupOptions(group) with { InstanceId = "a", SessionTimeout = TimeSpan.FromSeconds(5) }, [topic], log);
        await log.UntilAsync(() => log.Owners().GetValueOrDefault("a2")?.Count == 2, Guard, "the restarted static member has its partitions back");

        log.Owners()["a2"].Should().BeEquivalentTo(aPartitions);
        log.Intervals().Where(i => i.Member == "b").Should().HaveCount(bIntervals, "b took nothing new");
        log.Owners()["b"].Should().HaveCount(2, "b was never revoked");
        log.Intervals().Where(i => aPartitions.Contains(i.Partition) && i.Start >= restartedAt).Select(i => i.Member).Should().OnlyContain(m => m == "a2");
        await again.DisposeAsync();
        await b.DisposeAsync();
    }

    [Fact]
    public async Task Subscribe_RollingRestartOfAllMembers_UnavailabilityBounded()
    {
        var topic = await _cluster.CreateTopicAsync(6);
        var group = NewGroup();
        var log = new OwnershipLog();
        var workers = Enumerable.Range(0, 3).Select(i => new GroupWorker($"v1-{i}", _cluster.Connection.Grains, GroupOptions(group), [topic], log)).ToList();
        await log.UntilAsync(() => Split(log, 3, 2), Guard, "3 members with 2 partitions each");
        var start = log.Now;

        for (var i = 0; i < 3; i++)
        {
            // the Kubernetes order: the new pod starts, then the old one is stopped
            var replacement = new GroupWorker($"v2-{i}", _cluster.Connection.Grains, GroupOptions(group), [topic], log);
            await workers[i].StopAsync();
            workers[i] = replacement;
            var stopped = i;
            await log.UntilAsync(() => log.Owners().Keys.Count(k => k.StartsWith("v1-", StringComparison.Ordinal)) == 2 - stopped
                && log.Owners().Values.Sum(v => v.Count) == 6, Guard, $"all partitions owned after restart {i}");
        }

        await log.UntilAsync(() => Split(log, 3, 2), Guard, "3 new members with 2 partitions each");
        var end = log.Now;
        var unavailable = UnavailableTime(log.Intervals(), 6, topic, start, end);
        output.WriteLine($"rolling restart of 3 members over 6 partitions: {unavailable.TotalSeconds:F2} partition-seconds without an owner in {(end - start).TotalSeconds:F2} s");
        // a hand-over waits for the old owner's leave (or revoke at its heartbeat) and the new owner's next heartbeat
        // (<= 2 x 400 ms here): 6 partitions, each moved about once, stay well under 6 partition-seconds; waiting for
        // sessions to expire instead would cost at least 6 x 2 s
        unavailable.Should().BeLessThan(TimeSpan.FromSeconds(6), "each hand-over waits for a leave and a heartbeat, not for a session timeout");
        foreach (var w in workers)
        {
            await w.DisposeAsync();
        }
    }

    /// <summary>Partition-time without an owner within [start, end].</summary>
    internal static TimeSpan UnavailableTime(List<OwnershipLog.Interval> intervals, int partitions, string topic, TimeSpan start, TimeSpan end)
    {
        var total = TimeSpan.Zero;
        for (var p = 0; p < partitions; p++)
        {
            var covered = TimeSpan.Zero;
            var cursor = start;
            foreach (var i in intervals.Where(i => i.Partition == new TopicPartition(topic, p)).OrderBy(i => i.Start))
            {
                var s = i.Start < cursor ? cursor : i.Start;
                var e = i.End ?? end;
                e = e > end ? end : e;
                if (e > s)
                {
                    covered += e - s;
                    cursor = e;
                }
            }

            total += end - start - covered;
        }

        return total;
    }

    [Fact]
    public async Task CommitAsync_ManualPositionsAndExplicitOffsets_CommittedAndNextMemberContinues()
    {
        var topic = await _cluster.CreateTopicAsync(1);
        var group = NewGroup();
        await ProduceAsync(topic, 1, 10);
        var tp = new TopicPartition(topic, 0);
        await using (var consumer = _cluster.Connection.CreateConsumer<string, string>(GroupOptions(group) with { EnableAutoCommit = false }))
        {
            consumer.Subscribe([topic]);
            using var cts = new CancellationTokenSource(Guard);
            var n = 0;
            await foreach (var record in consumer.ConsumeAsync(cts.Token))
            {
                if (++n == 4)
                {
                    break;
                }
            }

            (await consumer.CommitAsync()).Should().Equal(new TopicPartitionOffset(tp, 4));
            (await consumer.CommittedAsync([tp])).Should().Equal(new TopicPartitionOffset(tp, 4));
            await consumer.CommitAsync([new TopicPartitionOffset(tp, 6)]);
            var back = () => consumer.CommitAsync([new TopicPartitionOffset(tp, 5)]);
            (await back.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.OffsetCommitRejected);
        }

        await using var next = _cluster.Connection.CreateConsumer<string, string>(GroupOptions(group) with { EnableAutoCommit = false });
        next.Subscribe([topic]);
        using var guard = new CancellationTokenSource(Guard);
        await foreach (var record in next.ConsumeAsync(guard.Token))
        {
            record.Offset.Should().Be(6, "no auto-commit on close: the explicit commit stands");
            break;
        }
    }

    [Fact]
    public async Task AutoCommit_CommitsConsumedPositionsWhileIdleAndOnClose()
    {
        var topic = await _cluster.CreateTopicAsync(2);
        var group = NewGroup();
        await ProduceAsync(topic, 2, 5);
        var log = new OwnershipLog();
        var worker = new GroupWorker("w", _cluster.Connection.Grains, GroupOptions(group), [topic], log);
        await log.UntilAsync(() => log.Consumed.Count == 10, Guard, "10 records consumed");
        var partitions = new[] { new TopicPartition(topic, 0), new TopicPartition(topic, 1) };
        await WaitForAsync(() => worker.Consumer.CommittedAsync(partitions), c => c.Count == 2 && c.All(o => o.Offset == 5), "the idle consumer's auto-commit");
        (await worker.Consumer.CommittedAsync(partitions)).Select(c => c.Offset).Should().Equal(5, 5);
        await ProduceAsync(topic, 2, 1, start: 5);
        await log.UntilAsync(() => log.Consumed.Count == 12, Guard, "12 records consumed");
        await worker.StopAsync();
        var admin = _cluster.Connection.Admin;
        var description = await admin.DescribeGroupAsync(group);
        description.Partitions.Select(p => p.CommittedOffset).Should().Equal(6L, 6L);
        description.TotalLag.Should().Be(0);
        description.State.Should().Be(ConsumerGroupState.Empty, "closing leaves the group");
    }

    [Fact]
    public async Task AutoOffsetReset_ErrorWithoutCommittedOffset_TypedErrorNamingThePartition()
    {
        var topic = await _cluster.CreateTopicAsync(1);
        await ProduceAsync(topic, 1, 1);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(GroupOptions(NewGroup()) with { AutoOffsetReset = AutoOffsetReset.Error });
        consumer.Subscribe([topic]);
        using var cts = new CancellationTokenSource(Guard);
        var consume = async () =>
        {
            await foreach (var record in consumer.ConsumeAsync(cts.Token))
            {
            }
        };

        var error = (await consume.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
        error.Message.Should().Contain($"{topic}[0]").And.Contain("no committed offset");
    }

    [Fact]
    public async Task MaxPollInterval_Exceeded_PartitionsLostThenRejoinsAtNextPoll()
    {
        var topic = await _cluster.CreateTopicAsync(2);
        var group = NewGroup();
        await ProduceAsync(topic, 2, 3);
        var lost = new TaskCompletionSource<IReadOnlyList<TopicPartition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var assigned = 0;
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(GroupOptions(group) with { MaxPollInterval = TimeSpan.FromMilliseconds(500) });
        consumer.PartitionsAssigned = p =>
        {
            Interlocked.Add(ref assigned, p.Count);
            return default;
        };
        consumer.PartitionsLost = p =>
        {
            lost.TrySetResult(p);
            return default;
        };
        consumer.Subscribe([topic]);
        using var cts = new CancellationTokenSource(Guard);
        await using var records = consumer.ConsumeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await records.MoveNextAsync()).Should().BeTrue();
        var member = consumer.MemberId;

        // the application stalls: the group notices SinceLastPoll beyond 500 ms at a heartbeat
        var description = await WaitForAsync(() => _cluster.Connection.Admin.DescribeGroupAsync(group), d => d.Members.Count == 0, "the member to be removed");
        description.State.Should().Be(ConsumerGroupState.Empty);
        lost.Task.IsCompleted.Should().BeFalse("callbacks run at a poll");

        // The group removed the member; the consumer learns it at its next heartbeat (it then forgets its member id and
        // posts the loss for the next poll). A poll before that returns a buffered record with nothing to raise.
        await WaitForAsync(() => Task.FromResult(consumer.MemberId), id => id != member, "the consumer to learn it was removed");
        (await records.MoveNextAsync()).Should().BeTrue("the next poll raises the loss, rejoins and goes on");
        (await lost.Task.WaitAsync(Guard)).Should().HaveCount(2);

        // The rejoined member may get its partitions over more than one heartbeat, and their callbacks run at a poll:
        // keep polling until both are assigned. (One pending poll is not enough: with the first partition's records
        // buffered it returns at once, and no poll would be left to run the second partition's callback.)
        var polling = Task.Run(async () =>
        {
            while (await records.MoveNextAsync())
            {
            }
        });
        await WaitForAsync(() => Task.FromResult(Volatile.Read(ref assigned)), a => a == 4, "the partitions to be assigned again");
        consumer.MemberId.Should().NotBe(member).And.NotBeEmpty();
        await cts.CancelAsync();
        try
        {
            await polling;
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        using var cts = new CancellationTokenSource(Guard);
        for (var attempt = 0; ; attempt++)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            cts.Token.ThrowIfCancellationRequested();
            await Task.Delay(TimeSpan.FromMilliseconds(50), cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {Guard} for {what}.");
            }
        }
    }
}
