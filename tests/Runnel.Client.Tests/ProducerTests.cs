using Runnel.Client.Tests.Fakes;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Testing;

namespace Runnel.Client.Tests;

public sealed class ProducerTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly FakeCluster _cluster = fixture.ForTest();

    private static ProducerOptions Fast => ProducerOptions.Default with { RetryBackoff = TimeSpan.FromMilliseconds(1), RetryBackoffMax = TimeSpan.FromMilliseconds(5) };

    private static Message<string, string> Msg(string? key, string? value) => new() { Key = key, Value = value };

    private Producer<string, string> Create(ProducerOptions? options = null, IGrainFactory? grains = null, TimeProvider? time = null) =>
        new(grains ?? _cluster.Connection.Grains, options ?? Fast, timeProvider: time);

    [Fact]
    public async Task ProduceAsync_ManyInFlight_AllDeliveredInOrder()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create();
        var tasks = Enumerable.Range(0, 1000).Select(i => producer.ProduceAsync(topic, Msg(null, $"v{i}"))).ToList();
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);

        results.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, 1000).Select(i => (long)i));
        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Select(r => r.Value).Should().Equal(Enumerable.Range(0, 1000).Select(i => $"v{i}"));
    }

    [Fact]
    public async Task ProduceAsync_Keys_GoToKafkaMurmur2Partitions()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 10);
        await using var producer = Create();
        var r21 = await producer.ProduceAsync(topic, Msg("21", "a")).WaitAsync(Guard);
        var rFoobar = await producer.ProduceAsync(topic, Msg("foobar", "b")).WaitAsync(Guard);
        var rKafka = await producer.ProduceAsync(topic, Msg("kafka", "c")).WaitAsync(Guard);

        r21.Partition.Should().Be(0);
        rFoobar.Partition.Should().Be(6);
        rKafka.Partition.Should().Be(0);
    }

    [Fact]
    public async Task ProduceAsync_NullKeysWithinLinger_StickToOnePartitionAndBatch()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 8);
        var time = new ManualTimeProvider();
        await using var producer = Create(Fast with { Linger = TimeSpan.FromSeconds(1) }, time: time);
        await WarmUpAsync(producer, topic);
        var tasks = Enumerable.Range(0, 10).Select(i => producer.ProduceAsync(topic, Msg(null, $"v{i}"))).ToList();
        time.Advance(TimeSpan.FromSeconds(1));
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);

        results.Select(r => r.Partition).Distinct().Should().ContainSingle();
        _cluster.Broker.Log($"{topic}/{results[0].Partition}").Attempts.Should().ContainSingle(a => a.Count == 10);
    }

    [Fact]
    public async Task Linger_ManualTime_BatchLeavesOnlyWhenLingerPasses()
    {
        var topic = await _cluster.CreateTopicAsync();
        var time = new ManualTimeProvider();
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        await using var producer = Create(Fast with { Linger = TimeSpan.FromMilliseconds(50) }, grains, time);
        await WarmUpAsync(producer, topic);
        var tasks = Enumerable.Range(0, 3).Select(i => producer.ProduceAsync(topic, Msg("k", $"v{i}"))).ToList();
        time.Advance(TimeSpan.FromMilliseconds(49));
        grains.ProduceCalls.Should().Be(1, "only the warm-up went");

        time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(tasks).WaitAsync(Guard);
        grains.ProduceCalls.Should().Be(2);
        _cluster.Broker.Log($"{topic}/0").Attempts[1].Count.Should().Be(3);
        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Should().HaveCount(4);
    }

    [Fact]
    public async Task BatchSize_FullBatchesLeaveWithoutLinger_OpenOneWaitsForFlush()
    {
        var topic = await _cluster.CreateTopicAsync();
        var time = new ManualTimeProvider();
        await using var producer = Create(Fast with { Linger = TimeSpan.FromHours(1), BatchSize = 1024 }, time: time);
        var value = new string('x', 200);
        var tasks = Enumerable.Range(0, 20).Select(i => producer.ProduceAsync(topic, Msg(null, value))).ToList();
        await tasks[0].WaitAsync(Guard); // the first batch filled up and went without waiting for linger
        tasks[^1].IsCompleted.Should().BeFalse("the last batch is open and lingering");

        await producer.FlushAsync().WaitAsync(Guard);
        await Task.WhenAll(tasks).WaitAsync(Guard);
        var batches = _cluster.Broker.Log($"{topic}/0").Batches;
        batches.Should().HaveCountGreaterThan(3);
        batches.Should().OnlyContain(b => b.Length <= 1024);
        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Should().HaveCount(20);
    }

    [Fact]
    public async Task BufferMemory_Full_EnqueueWaitsThenFailsWithBufferExhausted()
    {
        var topic = await _cluster.CreateTopicAsync();
        var time = new ManualTimeProvider();
        var options = Fast with { Linger = TimeSpan.Zero, MaxRequestSize = 1024, BatchSize = 512, BufferMemory = 2048, BufferTimeout = TimeSpan.FromSeconds(5) };
        await using var producer = Create(options, time: time);
        await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        _cluster.Broker.Hold($"{topic}/0");
        var reports = new List<DeliveryReport<string, string>>();
        var value = new string('x', 300);
        ValueTask blocked = default;
        var accepted = 0;
        for (var i = 0; i < 100; i++)
        {
            blocked = producer.EnqueueAsync(topic, Msg(null, value), r => { lock (reports) { reports.Add(r); } });
            if (!blocked.IsCompleted)
            {
                break;
            }

            accepted++;
        }

        blocked.IsCompleted.Should().BeFalse("the buffer fills up long before 100 records of 300 bytes");
        producer.BufferedBytes.Should().BeLessThanOrEqualTo(2048);
        accepted.Should().BeGreaterThan(2);

        time.Advance(TimeSpan.FromSeconds(5));
        var act = async () => await blocked;
        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.BufferExhausted);

        _cluster.Broker.Release($"{topic}/0");
        await producer.FlushAsync().WaitAsync(Guard);
        reports.Should().HaveCount(accepted).And.OnlyContain(r => r.IsSuccess);
    }

    [Fact]
    public async Task BufferMemory_RoomFreed_WaitingRecordsProceedInOrder()
    {
        var topic = await _cluster.CreateTopicAsync();
        var options = Fast with { Linger = TimeSpan.Zero, MaxRequestSize = 1024, BatchSize = 512, BufferMemory = 2048 };
        await using var producer = Create(options);
        await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        _cluster.Broker.Hold($"{topic}/0");
        var value = new string('x', 300);
        var tasks = Enumerable.Range(0, 30).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i}:{value}"))).ToList();
        producer.BufferedBytes.Should().BeLessThanOrEqualTo(2048);
        tasks[^1].IsCompleted.Should().BeFalse();

        _cluster.Broker.Release($"{topic}/0");
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);
        results.Select(r => r.Offset).Should().BeInAscendingOrder();
        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Skip(1).Select(r => r.Value![..r.Value!.IndexOf(':', StringComparison.Ordinal)])
            .Should().Equal(Enumerable.Range(0, 30).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Idempotence_LostResponse_SameBatchResentAndWrittenOnce()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        _cluster.Broker.InjectFaults(key, ProduceFault.LoseResponse);
        await using var producer = Create(Fast with { Linger = TimeSpan.FromHours(1) });
        var tasks = Enumerable.Range(0, 10).Select(i => producer.ProduceAsync(topic, Msg("k", $"v{i}"))).ToList();
        await producer.FlushAsync().WaitAsync(Guard); // one batch of 10 leaves now, is written, its response lost, and it is resent
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);

        results.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, 10).Select(i => (long)i));
        var attempts = _cluster.Broker.Log(key).Attempts;
        attempts.Should().HaveCount(2);
        attempts[1].Bytes.Should().Equal(attempts[0].Bytes, "a retry resends the same batch");
        attempts[0].BaseSequence.Should().Be(0);
        attempts[0].ProducerId.Should().BeGreaterThanOrEqualTo(1000);
        attempts[1].IsDuplicate.Should().BeTrue();
        LogReader.Records(_cluster.Broker.Log(key)).Should().HaveCount(10);
    }

    [Fact]
    public async Task Idempotence_NotOwner_RetriedAndWrittenOnce()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        _cluster.Broker.InjectFaults(key, ProduceFault.NotOwner, ProduceFault.NotOwner);
        await using var producer = Create();
        var result = await producer.ProduceAsync(topic, Msg("k", "v")).WaitAsync(Guard);

        result.Offset.Should().Be(0);
        _cluster.Broker.Log(key).Attempts.Should().HaveCount(3).And.OnlyContain(a => a.BaseSequence == 0);
        LogReader.Records(_cluster.Broker.Log(key)).Should().ContainSingle();
    }

    [Fact]
    public async Task Idempotence_Sequences_AdvanceByRecordCountUnderOneProducerId()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero });
        for (var batch = 0; batch < 4; batch++)
        {
            var tasks = Enumerable.Range(0, batch + 1).Select(i => producer.ProduceAsync(topic, Msg("k", "v"))).ToList();
            await producer.FlushAsync().WaitAsync(Guard);
            await Task.WhenAll(tasks);
        }

        var attempts = _cluster.Broker.Log(key).Attempts;
        attempts.Select(a => a.ProducerId).Distinct().Should().ContainSingle();
        var expected = 0;
        foreach (var attempt in attempts)
        {
            attempt.BaseSequence.Should().Be(expected);
            expected += attempt.Count;
        }

        expected.Should().Be(10);
    }

    [Fact]
    public async Task InFlight_HeldPartition_AtMostFiveRequestsAndOrderKept()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 128 }, grains);
        await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        _cluster.Broker.Hold(key);
        var value = new string('y', 100);
        var tasks = Enumerable.Range(0, 40).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i:D2}{value}"))).ToList();

        grains.InFlight(key).Should().Be(5);
        _cluster.Broker.Release(key);
        await Task.WhenAll(tasks).WaitAsync(Guard);
        grains.MaxInFlight(key).Should().Be(5);
        LogReader.Records(_cluster.Broker.Log(key)).Skip(1).Select(r => r.Value![..2])
            .Should().Equal(Enumerable.Range(0, 40).Select(i => i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(64 * 1024, 1 + 5 + 1)] // the 50 records that waited for a slot leave as one batch
    [InlineData(0, 1 + 5 + 50)] // growing off: one BatchSize batch per record, as Kafka
    public async Task BatchSizeUnderLoad_PartitionWindowFull_RecordsWaitingForASlotGrowOneBatch(int underLoad, int expectedCalls)
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 128, BatchSizeUnderLoad = underLoad }, grains);
        await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        _cluster.Broker.Hold(key);
        var value = new string('y', 100);
        var tasks = Enumerable.Range(0, 55).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i:D2}{value}"))).ToList();
        grains.InFlight(key).Should().Be(5, "each of the first five records fills a BatchSize batch and takes a slot");

        _cluster.Broker.Release(key);
        await Task.WhenAll(tasks).WaitAsync(Guard);
        grains.ProduceCalls.Should().Be(expectedCalls);
        LogReader.Records(_cluster.Broker.Log(key)).Skip(1).Select(r => r.Value![..2])
            .Should().Equal(Enumerable.Range(0, 55).Select(i => i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(2, 2 + 4)] // two singles go; each partition's waiting records then leave as one batch
    [InlineData(256, 4 * (5 + 1))] // no producer-wide limit reached: five singles per partition, then one grown batch
    public async Task MaxInFlightRequests_AllSlotsTaken_PartitionsWaitTheirTurnWithOneGrownBatchEach(int maxInFlight, int expectedCalls)
    {
        const int Partitions = 4;
        const int PerPartition = 10;
        var topic = await _cluster.CreateTopicAsync(Partitions);
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 128, MaxInFlightRequests = maxInFlight }, grains);
        var warmUps = Enumerable.Range(0, Partitions).Select(p => producer.ProduceAsync(new TopicPartition(topic, p), Msg(null, "warm-up"))).ToList();
        await Task.WhenAll(warmUps).WaitAsync(Guard);
        var keys = Enumerable.Range(0, Partitions).Select(p => $"{topic}/{p}").ToList();
        keys.ForEach(_cluster.Broker.Hold);
        var value = new string('w', 100);
        var tasks = Enumerable.Range(0, Partitions)
            .SelectMany(p => Enumerable.Range(0, PerPartition).Select(i => producer.ProduceAsync(new TopicPartition(topic, p), Msg(null, $"{i:D2}{value}"))))
            .ToList();
        keys.Sum(grains.InFlight).Should().Be(Math.Min(maxInFlight, Partitions * 5), "requests in flight stop at MaxInFlightRequests over all partitions");

        keys.ForEach(_cluster.Broker.Release);
        await Task.WhenAll(tasks).WaitAsync(Guard);
        (grains.ProduceCalls - Partitions).Should().Be(expectedCalls);
        foreach (var key in keys)
        {
            LogReader.Records(_cluster.Broker.Log(key)).Skip(1).Select(r => r.Value![..2])
                .Should().Equal(Enumerable.Range(0, PerPartition).Select(i => i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)), "every record lands once, in order, in {0}", key);
        }
    }

    [Fact]
    public async Task BatchSizeUnderLoad_PartitionWithAFreeSlot_SendsAtBatchSize()
    {
        // Growing is for a partition that cannot send: one that can still closes its batch at BatchSize.
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        await using var producer = Create(Fast with { Linger = TimeSpan.FromHours(1), BatchSize = 1024, BatchSizeUnderLoad = 64 * 1024 }, grains);
        var value = new string('z', 100);
        var tasks = Enumerable.Range(0, 20).Select(i => producer.ProduceAsync(topic, Msg(null, value))).ToList();
        await producer.FlushAsync().WaitAsync(Guard);
        await Task.WhenAll(tasks).WaitAsync(Guard);
        grains.ProduceCalls.Should().BeGreaterThanOrEqualTo(2, "20 records of ~110 bytes are more than one 1 KiB batch");
    }

    [Fact]
    public async Task Retry_FiveInFlightBatchesFailTogether_ResentAfterTheFirstBackoffNotFiveDoublings()
    {
        // An owner change fails every batch in flight at once; that is one failure of the partition, so the resend waits
        // RetryBackoff (±20%), not RetryBackoff * 2^4 (the chaos harness measured up to 1 s of extra unavailability).
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        var grains = new InterceptingGrainFactory(_cluster.Connection.Grains);
        var clock = new ManualTimeProvider();
        var time = new TimerRecordingTimeProvider(clock, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(30));
        var options = Fast with { Linger = TimeSpan.Zero, BatchSize = 128, RetryBackoff = TimeSpan.FromMilliseconds(100), RetryBackoffMax = TimeSpan.FromSeconds(10) };
        await using var producer = Create(options, grains, time);
        await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        _cluster.Broker.Hold(key);
        var value = new string('r', 100);
        var tasks = Enumerable.Range(0, 5).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i}{value}"))).ToList();
        grains.InFlight(key).Should().Be(5);

        _cluster.Broker.InjectFaults(key, [.. Enumerable.Repeat(ProduceFault.NotOwner, 5)]);
        time.Arm();
        _cluster.Broker.Release(key);
        var retryDelay = await time.FirstTimer.WaitAsync(Guard);
        for (var step = 0; step < 100 && !tasks.TrueForAll(t => t.IsCompleted); step++)
        {
            // The resends then go one at a time: let each one's backoff pass until all five are written.
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        await Task.WhenAll(tasks).WaitAsync(Guard);
        retryDelay.Should().BeLessThanOrEqualTo(TimeSpan.FromMilliseconds(120), "the backoff of a first failure is RetryBackoff ±20%");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Idempotence_SeededRandomFaultsWithFiveInFlight_NoLossNoDuplicateOrderKept(int seed)
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        var random = new Random(seed);
        _cluster.Broker.InjectFaults(key, [.. Enumerable.Range(0, 60).Select(_ => random.Next(10) switch
        {
            0 or 1 => ProduceFault.LoseResponse,
            2 => ProduceFault.NotOwner,
            _ => ProduceFault.None,
        })]);
        // Batches of one or two records, many requests: growing them under load would leave few to fault.
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 256, BatchSizeUnderLoad = 0 });
        var tasks = Enumerable.Range(0, 400).Select(i => producer.ProduceAsync(topic, Msg(null, $"r{i:D3}-{new string('z', 40)}"))).ToList();
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);

        results.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, 400).Select(i => (long)i));
        LogReader.Records(_cluster.Broker.Log(key)).Select(r => r.Value![..4])
            .Should().Equal(Enumerable.Range(0, 400).Select(i => $"r{i:D3}"));
        _cluster.Broker.Log(key).Attempts.Should().Contain(a => a.IsDuplicate, "some lost responses were retried as duplicates");
    }

    [Fact]
    public async Task FailedForGood_BatchesWaitingBehindIt_EachReportedByItsOwnOutcome()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 128 });
        var warmUp = await producer.ProduceAsync(topic, Msg(null, "warm-up")).WaitAsync(Guard);
        var value = new string('w', 100);

        // Three one-record batches (sequences 1, 2, 3) all fail their first attempt without being stored; the second's
        // failure has an unknown outcome. The oldest is then refused for good on its resend.
        _cluster.Broker.InjectSequenceFaults(key, 1, ProduceFault.NotOwner, ProduceFault.Reject);
        _cluster.Broker.InjectSequenceFaults(key, 2, ProduceFault.Unanswered);
        _cluster.Broker.InjectSequenceFaults(key, 3, ProduceFault.NotOwner);
        _cluster.Broker.Hold(key);
        var tasks = Enumerable.Range(0, 3).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i}{value}"))).ToList();
        _cluster.Broker.Release(key);
        var errors = new List<RunnelException>();
        foreach (var task in tasks)
        {
            var act = async () => await task.WaitAsync(Guard);
            errors.Add((await act.Should().ThrowAsync<RunnelException>()).Which);
        }

        errors[0].Code.Should().Be(RunnelErrorCode.InvalidArgument);
        errors.Select(e => e.IsOutcomeUnknown).Should().Equal([false, true, false], "each batch is reported by what its own attempts said");

        // The partition's sequence then restarts at 0 under a bumped epoch of the same producer id (KIP-360).
        var after = await producer.ProduceAsync(topic, Msg(null, "after")).WaitAsync(Guard);
        after.Offset.Should().Be(warmUp.Offset + 1);
        var attempts = _cluster.Broker.Log(key).Attempts;
        (attempts[^1].ProducerId, attempts[^1].Epoch, attempts[^1].BaseSequence).Should().Be((attempts[0].ProducerId, (short)(attempts[0].Epoch + 1), 0));
    }

    [Fact]
    public async Task UnknownProducerId_PartitionLostTheProducersState_UnacknowledgedBatchesResequencedUnderABumpedEpoch()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero });
        await producer.ProduceAsync(topic, Msg(null, "first")).WaitAsync(Guard);
        _cluster.Broker.InjectFaults(key, ProduceFault.ForgetProducers);

        var second = await producer.ProduceAsync(topic, Msg(null, "second")).WaitAsync(Guard);

        second.Offset.Should().Be(1);
        var attempts = _cluster.Broker.Log(key).Attempts;
        attempts.Select(a => (a.Epoch, a.BaseSequence)).Should().Equal([((short)0, 0), ((short)0, 1), ((short)1, 0)],
            "the batch the partition no longer knew a producer for is numbered again from 0 under epoch 1");
        attempts.Select(a => a.ProducerId).Distinct().Should().ContainSingle();
        LogReader.Records(_cluster.Broker.Log(key)).Select(r => r.Value).Should().Equal("first", "second");
    }

    [Fact]
    public async Task UnknownProducerId_LaterBatchOvertookTheFirst_ResentInOrderAndNothingFails()
    {
        var topic = await _cluster.CreateTopicAsync();
        var key = $"{topic}/0";
        await using var producer = Create(Fast with { Linger = TimeSpan.Zero, BatchSize = 128 });
        var value = new string('o', 100);

        // The first batch of a fresh producer is not answered (not stored), so the four behind it reach a partition
        // that does not know the producer: they must be refused and resent after it, not taken as its start.
        _cluster.Broker.InjectSequenceFaults(key, 0, ProduceFault.Unanswered);
        _cluster.Broker.Hold(key);
        var tasks = Enumerable.Range(0, 5).Select(i => producer.ProduceAsync(topic, Msg(null, $"{i}{value}"))).ToList();
        _cluster.Broker.Release(key);
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);

        results.Select(r => r.Offset).Should().Equal(0L, 1L, 2L, 3L, 4L);
        LogReader.Records(_cluster.Broker.Log(key)).Select(r => r.Value![..1]).Should().Equal("0", "1", "2", "3", "4");
    }

    [Fact]
    public async Task OutOfOrderSequence_OldestBatchOnce_ResentAndWritten()
    {
        var topic = await _cluster.CreateTopicAsync();
        _cluster.Broker.InjectFaults($"{topic}/0", ProduceFault.OutOfOrderSequence);
        await using var producer = Create();
        (await producer.ProduceAsync(topic, Msg("k", "v")).WaitAsync(Guard)).Offset.Should().Be(0);
        _cluster.Broker.Log($"{topic}/0").Attempts.Should().HaveCount(2);
    }

    [Fact]
    public async Task OutOfOrderSequence_OldestBatchTwice_FailsProducerForGood()
    {
        var topic = await _cluster.CreateTopicAsync();
        _cluster.Broker.InjectFaults($"{topic}/0", ProduceFault.OutOfOrderSequence, ProduceFault.OutOfOrderSequence);
        await using var producer = Create();
        var act = async () => await producer.ProduceAsync(topic, Msg("k", "v")).WaitAsync(Guard);
        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.OutOfOrderSequence);

        Action again = () => _ = producer.ProduceAsync(topic, Msg("k", "v"));
        again.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.OutOfOrderSequence);
    }

    [Fact]
    public async Task ProduceAsync_UnknownTopic_FailsWithUnknownTopic()
    {
        await using var producer = Create();
        var act = async () => await producer.ProduceAsync("no-such-topic", Msg("k", "v")).WaitAsync(Guard);
        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
    }

    [Fact]
    public async Task ProduceAsync_ExplicitPartitionOutOfRange_FailsWithUnknownPartition()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await using var producer = Create();
        var ok = await producer.ProduceAsync(new TopicPartition(topic, 1), Msg("k", "v")).WaitAsync(Guard);
        ok.Partition.Should().Be(1);
        var act = async () => await producer.ProduceAsync(new TopicPartition(topic, 2), Msg("k", "v")).WaitAsync(Guard);
        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownPartition);
    }

    [Fact]
    public async Task ProduceAsync_RecordLargerThanMaxRequestSize_ThrowsSynchronously()
    {
        await using var producer = Create(Fast with { MaxRequestSize = 4096, BatchSize = 1024, BufferMemory = 8192 });
        Action act = () => _ = producer.ProduceAsync("t", Msg(null, new string('x', 5000)));
        act.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.RecordBatchTooLarge);
    }

    [Fact]
    public async Task Produce_Callback_ReportsEachRecordOnce()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create();
        var reports = new List<DeliveryReport<string, string>>();
        for (var i = 0; i < 50; i++)
        {
            producer.Produce(topic, Msg("k", $"v{i}"), r => { lock (reports) { reports.Add(r); } });
        }

        await producer.FlushAsync().WaitAsync(Guard);
        reports.Should().HaveCount(50).And.OnlyContain(r => r.IsSuccess && r.Error == null);
        reports.Select(r => r.Offset).Order().Should().Equal(Enumerable.Range(0, 50).Select(i => (long)i));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Compression_BatchesStoredCompressed_RecordsIntact(CompressionType compression)
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create(Fast with { Compression = compression });
        var tasks = Enumerable.Range(0, 100).Select(i => producer.ProduceAsync(topic, Msg($"k{i}", new string('c', 100) + i))).ToList();
        await Task.WhenAll(tasks).WaitAsync(Guard);

        var log = _cluster.Broker.Log($"{topic}/0");
        log.Batches.Should().OnlyContain(b => new Runnel.Log.Batches.RecordBatchView(b).Header.Compression == (Runnel.Log.Batches.CompressionCodec)(int)compression);
        LogReader.Records(log).Select(r => r.Value).Should().Equal(Enumerable.Range(0, 100).Select(i => new string('c', 100) + i));
    }

    [Fact]
    public async Task NullKeyAndValue_AreWrittenAsNulls()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create();
        await producer.ProduceAsync(topic, Msg(null, null)).WaitAsync(Guard);
        await producer.ProduceAsync(topic, Msg("", "")).WaitAsync(Guard);

        var records = LogReader.Records(_cluster.Broker.Log($"{topic}/0"));
        records[0].Key.Should().BeNull();
        records[0].Value.Should().BeNull();
        records[1].Key.Should().Be("");
        records[1].Value.Should().Be("");
    }

    [Fact]
    public async Task DisposeAsync_PendingRecords_AreFlushedFirst()
    {
        var topic = await _cluster.CreateTopicAsync();
        var producer = Create(Fast with { Linger = TimeSpan.FromHours(1) });
        var task = producer.ProduceAsync(topic, Msg("k", "v"));
        await producer.DisposeAsync().AsTask().WaitAsync(Guard);

        (await task).Offset.Should().Be(0);
        Action act = () => _ = producer.ProduceAsync(topic, Msg("k", "v"));
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Options_Invalid_NameTheField()
    {
        var act = () => new Producer<string, string>(_cluster.Connection.Grains, ProducerOptions.Default with { MaxInFlightPerPartition = 6 });
        act.Should().Throw<ArgumentException>().WithMessage("*MaxInFlightPerPartition*");
        var noRequests = () => new Producer<string, string>(_cluster.Connection.Grains, ProducerOptions.Default with { MaxInFlightRequests = 0 });
        noRequests.Should().Throw<ArgumentException>().WithMessage("*MaxInFlightRequests*");
        var noSerializer = () => new Producer<int, string>(_cluster.Connection.Grains);
        noSerializer.Should().Throw<ArgumentException>().WithMessage("*keySerializer*");
    }

    /// <summary>Loads the topic's metadata and the producer id (one record, flushed), so that later records are
    /// appended at once and their linger timers start when they are produced.</summary>
    private static async Task WarmUpAsync(Producer<string, string> producer, string topic)
    {
        var warmUp = producer.ProduceAsync(topic, Msg("warm-up", "warm-up"));
        await producer.FlushAsync().WaitAsync(Guard);
        await warmUp;
    }
}
