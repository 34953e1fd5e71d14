using System.Collections.Concurrent;
using Runnel.Clustering;
using Runnel.Grains.Tests.Infrastructure;
using Runnel.Log;
using Runnel.Storage;
using Runnel.Testing.Cluster;

namespace Runnel.Grains.Tests;

/// <summary>
/// The partition grain when silos fail and owners race, on silos in one process (<see cref="GrainsCluster"/>), against
/// every store (subclasses name it). Producers are idempotent and retry what failed retriably, as a client does; every
/// test then reads each partition whole and checks invariants over what was acknowledged: every acknowledged batch is
/// at its offsets, unchanged, exactly once, and the log holds nothing else. Who owns a partition is read from its
/// manifest, whose compare-and-swap is the fence: a takeover bumps the epoch and seals the previous owner's segment.
/// </summary>
public abstract class PartitionClusterTests
{
    /// <summary>Only turns a hang into a failure.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>How long the client waits for an answer: calls that were on their way to a killed silo fail only then.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    private const int Partitions = 6;

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract IObjectStore CreateStore();

    [Fact]
    public async Task Produce_OwnerSiloKilled_SurvivorsServeEveryAcknowledgedBatchOnceAfterFencingIt()
    {
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, silos: 3, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("t", Partitions);
        var before = await ManifestsAsync(store, cluster);
        var victim = cluster.SiloNamed(before[0].Owner);
        var moved = Enumerable.Range(0, Partitions).Where(p => before[p].Owner == victim.Name).ToList();
        var producers = Enumerable.Range(0, Partitions).Select(p => new Producer(cluster.Partition("t", p), producerId: 100 + p, $"p{p}")).ToList();

        // Kill the victim a third of the way in: its store is severed first, so nothing it still does lands (kill -9).
        var acked = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var producing = Task.WhenAll(producers.Select(producer => producer.ProduceAsync(30, () =>
        {
            if (Interlocked.Increment(ref acked) == 60)
            {
                halfway.TrySetResult();
            }
        })));
        await halfway.Task.WaitAsync(Guard);
        cluster.StoreOf(victim).Sever();
        await cluster.Cluster.KillSiloAsync(victim);
        await producing.WaitAsync(Guard * 2);

        var after = await ManifestsAsync(store, cluster);
        foreach (var producer in producers)
        {
            await producer.VerifyLogAsync();
        }

        foreach (var p in moved)
        {
            after[p].Owner.Should().NotBe(victim.Name, "partition {0} answers from a survivor", p);
            after[p].Epoch.Should().Be(before[p].Epoch + 1, "one takeover fenced the killed owner of partition {0}", p);
            after[p].Segments.Should().Contain(s => s.Epoch == before[p].Epoch && s.IsSealed, "the killed owner's segment was sealed by the takeover");
        }

        // (Not OnlyContain: with 3 silos, all 6 partitions sit on the victim one run in 243, leaving nothing to check.)
        Enumerable.Range(0, Partitions).Except(moved).Where(p => after[p].Epoch != before[p].Epoch || after[p].Owner != before[p].Owner).Should().BeEmpty(
            "only the killed silo's partitions moved");
    }

    [Fact]
    public async Task Join_ASiloJoins_ThePartitionsItNowOwnsMoveToItAndNothingElseMoves()
    {
        // Placement runs only when a grain activates: without the rebalancer a silo that joins gets no partition until
        // others deactivate. 24 partitions, so that the new silo owns some (each with probability 1/2).
        const int partitions = 24;
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, silos: 1, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("j", partitions);
        var producers = Enumerable.Range(0, partitions).Select(p => new Producer(cluster.Partition("j", p), producerId: 400 + p, $"p{p}")).ToList();
        await Task.WhenAll(producers.Select(producer => producer.ProduceAsync(3)));
        var before = await ManifestsAsync(store, "j", Enumerable.Range(0, partitions));
        var first = cluster.Silos.Single();

        var joined = await cluster.Cluster.StartAdditionalSiloAsync();
        var silos = new[] { first.SiloAddress, joined.SiloAddress };
        var owned = Enumerable.Range(0, partitions)
            .Where(p => RendezvousHash.PickOwner(GrainId.Create("runnel.partition", PartitionKey.Format("j", p)), silos).Equals(joined.SiloAddress))
            .ToList();
        owned.Should().NotBeEmpty("the joining silo owns some partitions under rendezvous placement");

        // No call is made: the first silo hands them over by itself once it sees the new member.
        var after = await Probe.UntilAsync(
            () => ManifestsAsync(store, "j", Enumerable.Range(0, partitions)),
            manifests => owned.All(p => manifests[p].Owner == joined.Name),
            Guard,
            "the joining silo serves the partitions it owns");

        foreach (var p in owned)
        {
            after[p].Epoch.Should().Be(before[p].Epoch + 1, "partition {0} was taken over once, by the new silo", p);
            after[p].Segments.Should().Contain(s => s.Epoch == before[p].Epoch && s.IsSealed, "the first silo sealed partition {0}'s segment as it handed it over", p);
        }

        Enumerable.Range(0, partitions).Except(owned).Where(p => after[p].Epoch != before[p].Epoch || after[p].Owner != first.Name).Should().BeEmpty(
            "partitions the first silo still owns stay where they are");

        // Producing goes on after the move, and every partition holds what was acknowledged, once.
        await Task.WhenAll(producers.Select(producer => producer.ProduceAsync(3)));
        foreach (var producer in producers)
        {
            await producer.VerifyLogAsync();
        }
    }

    [Fact]
    public async Task HandOverIfMoved_OnTheSiloThatOwnsIt_RefusesAndKeepsServingWithoutATakeover()
    {
        // A rebalancer round can ask a partition that already moved: the call lands at its owner. Asked to migrate where
        // placement picks the same silo, Orleans deactivates the grain instead, and the next call took the log over
        // again (the join test once saw epoch 3 for a partition handed over once).
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, silos: 1, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("h", 2);
        var producer = new Producer(cluster.Partition("h", 0), producerId: 700, "h0");
        await producer.ProduceAsync(2);
        var before = await ManifestsAsync(store, "h", [0]);

        (await cluster.Partition("h", 0).HandOverIfMovedAsync()).Should().BeFalse("its only silo owns it");
        await producer.ProduceAsync(2);

        var after = await ManifestsAsync(store, "h", [0]);
        after[0].Epoch.Should().Be(before[0].Epoch, "no takeover happened");
        await producer.VerifyLogAsync();
    }

    [Fact]
    public async Task Stop_GracefulSilo_ItsPartitionsReleasedThenServedElsewhereWithoutARecovery()
    {
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, silos: 2, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("t", Partitions);
        var producers = Enumerable.Range(0, Partitions).Select(p => new Producer(cluster.Partition("t", p), producerId: 200 + p, $"p{p}")).ToList();
        await Task.WhenAll(producers.Select(producer => producer.ProduceAsync(5)));
        var before = await ManifestsAsync(store, cluster);
        var leaving = cluster.SiloNamed(before[0].Owner);
        var moved = Enumerable.Range(0, Partitions).Where(p => before[p].Owner == leaving.Name).ToList();

        await cluster.Cluster.StopSiloAsync(leaving);
        var released = await ManifestsAsync(store, moved);
        await Task.WhenAll(producers.Select(producer => producer.ProduceAsync(10)));
        var after = await ManifestsAsync(store, cluster);

        foreach (var p in moved)
        {
            released[p].State.Should().Be(PartitionState.Released, "the leaving silo handed partition {0} back", p);
            released[p].Epoch.Should().Be(before[p].Epoch);
            released[p].Segments.Should().OnlyContain(s => s.IsSealed);
            after[p].Owner.Should().NotBe(leaving.Name);
            after[p].Epoch.Should().Be(before[p].Epoch + 1);
            after[p].Segments.Take(released[p].Segments.Count).Should().Equal(released[p].Segments, "a clean hand-over leaves the sealed segments as they were");
        }

        foreach (var producer in producers)
        {
            await producer.VerifyLogAsync();
        }
    }

    [Fact]
    public async Task Produce_TakeoversOutsideOrleansWhileProducing_LoserFencedEachTimeAndNoAcknowledgedRecordLostOrChanged()
    {
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("t", 1);
        var paths = PartitionPaths.ForTopicPartition("t", 0);
        var producers = Enumerable.Range(0, 3).Select(i => new Producer(cluster.Partition("t", 0), producerId: 300 + i, $"q{i}")).ToList();
        var intruded = new List<(long Offset, string Value)>();
        var intruderFenced = 0;
        var acked = 0;
        var takeovers = new[] { 15, 45, 75 }.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        // Three times while the producers run, a second owner outside Orleans takes the partition over and appends;
        // the grain's next append meets the sealed segment, the caller's retry reaches a new activation, which takes
        // the partition back and fences the intruder.
        var producing = Task.WhenAll(producers.Select(producer => producer.ProduceAsync(40, () =>
        {
            var count = Interlocked.Increment(ref acked);
            foreach (var (at, i) in new[] { 15, 45, 75 }.Select((at, i) => (at, i)))
            {
                if (count == at)
                {
                    takeovers[i].TrySetResult();
                }
            }
        })));
        for (var round = 0; round < takeovers.Length; round++)
        {
            await Task.WhenAny(takeovers[round].Task, producing).WaitAsync(Guard);
            if (producing.IsCompleted)
            {
                break; // failed: awaited below
            }

            PartitionLog? intruder = null;
            try
            {
                // The grain may take the partition back while the intruder still recovers: fenced before it served.
                intruder = await PartitionLog.OpenAsync(store, paths, $"intruder-{round}");
                for (var i = 0; !producing.IsCompleted; i++)
                {
                    var appended = await intruder.AppendAsync(TestBatches.Create($"x{round}-{i}", records: 1)).WaitAsync(Guard);
                    intruded.Add((appended.BaseOffset, $"x{round}-{i}-0"));
                }
            }
            catch (NotOwnerException)
            {
                intruderFenced++;
            }
            finally
            {
                if (intruder is not null)
                {
                    await intruder.DisposeAsync();
                }
            }
        }

        await producing.WaitAsync(Guard * 2);

        intruderFenced.Should().Be(3, "each intruder was fenced by the grain's takeover");
        producers.SelectMany(p => p.Failures).Count(f => f.Code is RunnelErrorCode.NotOwner or RunnelErrorCode.LogClosed).Should().BeGreaterThanOrEqualTo(3,
            "after each intruder's takeover the grain's next append met the sealed segment, and its caller was told to retry");
        var log = await ReadAllAsync(cluster.Partition("t", 0));
        log.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, log.Count).Select(i => (long)i), "offsets are dense");
        intruded.Except(log).Should().BeEmpty("the intruders' acknowledged appends are kept where they were acknowledged");
        foreach (var producer in producers)
        {
            producer.Verify(log);
        }

        log.Should().HaveCount(intruded.Count + producers.Count * 40 * 2, "nothing else is in the log");
        var manifest = await ManifestAsync(store, "t", 0);
        (manifest.Owner, manifest.State).Should().Be((cluster.Silos.Single().Name, PartitionState.Active), "the grain took the partition back last");
        manifest.Epoch.Should().BeGreaterThanOrEqualTo(7, "the grain's first takeover, then three intruders, each fenced by a takeover of the grain");
    }

    [Fact]
    public async Task Produce_KilledOwnersHeldAppendLandsAfterTheTakeover_RefusedAndTheRetryAppendedOnce()
    {
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, silos: 2, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("t", 1);
        var producer = new Producer(cluster.Partition("t", 0), producerId: 400, "z");
        await producer.ProduceAsync(5);
        var before = await ManifestAsync(store, "t", 0);
        var zombie = cluster.SiloNamed(before.Owner);

        // The owner's next append is on its way to the store when the silo dies: a zombie write.
        var held = cluster.StoreOf(zombie).HoldAppends();
        var inFlight = producer.ProduceAsync(1);
        await held.WaitAsync(Guard);
        await cluster.Cluster.KillSiloAsync(zombie);
        await inFlight.WaitAsync(Guard);
        var after = await ManifestAsync(store, "t", 0);
        cluster.StoreOf(zombie).ReleaseAppends();
        var zombieWrite = await cluster.StoreOf(zombie).HeldAppendOutcome.WaitAsync(Guard);

        zombieWrite.Should().BeAssignableTo<StorageException>("the survivor's takeover sealed the segment the zombie appends to");
        after.Epoch.Should().Be(before.Epoch + 1);
        after.Owner.Should().NotBe(zombie.Name);
        producer.Failures.Should().Contain(f => f.IsOutcomeUnknown, "the client never heard from the killed silo");
        await producer.VerifyLogAsync();
        var sealedByTakeover = after.Segments.Single(s => s.Epoch == before.Epoch);
        (await store.GetPropertiesAsync(sealedByTakeover.Name)).Length.Should().Be(sealedByTakeover.SealedLength, "the zombie's late write changed nothing");
    }

    private static async Task<PartitionManifest> ManifestAsync(IObjectStore store, string topic, int partition)
    {
        var paths = PartitionPaths.ForTopicPartition(topic, partition);
        return PartitionManifest.FromJson((await store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest);
    }

    /// <summary>Every partition's manifest once each is active (activating the ones that are not).</summary>
    private static async Task<Dictionary<int, PartitionManifest>> ManifestsAsync(IObjectStore store, GrainsCluster cluster)
    {
        for (var p = 0; p < Partitions; p++)
        {
            await Retries.UntilAnsweredAsync(() => cluster.Partition("t", p).GetOffsetsAsync().AsTask(), Guard);
        }

        return await ManifestsAsync(store, Enumerable.Range(0, Partitions));
    }

    private static Task<Dictionary<int, PartitionManifest>> ManifestsAsync(IObjectStore store, IEnumerable<int> partitions) =>
        ManifestsAsync(store, "t", partitions);

    private static async Task<Dictionary<int, PartitionManifest>> ManifestsAsync(IObjectStore store, string topic, IEnumerable<int> partitions)
    {
        var manifests = new Dictionary<int, PartitionManifest>();
        foreach (var p in partitions)
        {
            manifests[p] = await ManifestAsync(store, topic, p);
        }

        return manifests;
    }

    /// <summary>The whole partition, record by record: (offset, value).</summary>
    private static async Task<List<(long Offset, string Value)>> ReadAllAsync(IPartitionGrain partition)
    {
        var records = new List<(long Offset, string Value)>();
        var end = (await Retries.UntilAnsweredAsync(() => partition.GetOffsetsAsync().AsTask(), Guard)).HighWatermark;
        while (records.Count == 0 || records[^1].Offset + 1 < end)
        {
            var from = records.Count == 0 ? 0 : records[^1].Offset + 1;
            var fetched = await Retries.UntilAnsweredAsync(() => partition.FetchAsync(new FetchRequest(from, 1024 * 1024, TimeSpan.Zero)).AsTask(), Guard);
            records.AddRange(TestBatches.Records(fetched.Batches).Where(r => r.Offset >= from));
        }

        return records;
    }

    /// <summary>
    /// An idempotent producer of one partition: batch <c>i</c> holds records "{tag}-{i}-0" and "{tag}-{i}-1" at sequence
    /// <c>2i</c>, sent one at a time and sent again, unchanged, after a retriable failure, as a client's producer does.
    /// </summary>
    private sealed class Producer(IPartitionGrain partition, long producerId, string tag)
    {
        private readonly ConcurrentDictionary<int, ProduceResponse> _acked = new();
        private readonly ConcurrentQueue<RunnelException> _failures = new();
        private int _next;

        /// <summary>The retriable failures it met on the way.</summary>
        public IReadOnlyCollection<RunnelException> Failures => _failures;

        /// <summary>Sends the next <paramref name="batches"/> batches, each until acknowledged.</summary>
        public async Task ProduceAsync(int batches, Action? acknowledged = null)
        {
            for (var end = _next + batches; _next < end; _next++)
            {
                var batch = TestBatches.Create($"{tag}-{_next}", records: 2, producerId: producerId, epoch: 0, sequence: _next * 2);
                _acked[_next] = await Retries.UntilAnsweredAsync(() => partition.ProduceAsync(new ProduceRequest(batch)).AsTask(), Guard, _failures.Enqueue);
                acknowledged?.Invoke();
            }
        }

        /// <summary>Reads the partition whole: it must hold this producer's batches and nothing else.</summary>
        public async Task VerifyLogAsync()
        {
            var log = await ReadAllAsync(partition);
            log.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, _next * 2).Select(i => (long)i), "the partition holds this producer's batches and nothing else");
            Verify(log);
        }

        /// <summary>Every batch it sent was acknowledged and is in <paramref name="log"/> at its acknowledged offsets,
        /// unchanged, once, in sequence order.</summary>
        public void Verify(IReadOnlyList<(long Offset, string Value)> log)
        {
            var batches = _next;
            _acked.Should().HaveCount(batches);
            var mine = log.Where(r => r.Value.StartsWith(tag + "-", StringComparison.Ordinal)).ToList();
            mine.Select(r => r.Value).Should().Equal(Enumerable.Range(0, batches).SelectMany(i => new[] { $"{tag}-{i}-0", $"{tag}-{i}-1" }),
                "each batch of {0} once, in sequence order", tag);
            foreach (var (i, ack) in _acked)
            {
                mine.Where(r => r.Offset >= ack.BaseOffset && r.Offset <= ack.LastOffset).Select(r => r.Value)
                    .Should().Equal([$"{tag}-{i}-0", $"{tag}-{i}-1"], "batch {0} of {1} is where it was acknowledged", i, tag);
            }
        }
    }
}
