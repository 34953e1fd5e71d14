using Microsoft.Extensions.DependencyInjection;
using Runnel.Grains.Internal;
using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>
/// A transaction coordinator whose silo is killed (ungracefully, its store severed first) after it decided to commit and
/// while its markers are on their way (held at <see cref="MarkerLog.Gate"/>): the decision is durable, so the next
/// activation, or the sweep when nobody calls, must finish the commit on every partition and group. Three silos in one
/// process on the file store, real partitions.
/// </summary>
public sealed class TransactionKillTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    private readonly TempDirectory _directory = new("txn-kill");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EndTransaction_CoordinatorSiloKilledAfterTheDecision_NextActivationFinishesIt()
    {
        var markers = new MarkerLog { PassThrough = true };
        await using var cluster = await StartAsync(markers, sweepInterval: TimeSpan.FromHours(1));
        var (coordinator, producer) = await KillMidCommitAsync(cluster, markers);

        // The first call reaches a new activation, which finished the markers while activating.
        var described = await Retries.UntilAnsweredAsync(() => coordinator.DescribeAsync().AsTask(), Guard);

        described.Status.Should().Be(TransactionStatus.CompleteCommit);
        described.ProducerEpoch.Should().Be((short)(producer.ProducerEpoch + 1));
        await CheckCommittedAsync(cluster);
    }

    [Fact]
    public async Task EndTransaction_CoordinatorSiloKilledAfterTheDecision_SweepFinishesItWithoutAnyCall()
    {
        var markers = new MarkerLog { PassThrough = true };
        await using var cluster = await StartAsync(markers, sweepInterval: TimeSpan.FromSeconds(1));
        await KillMidCommitAsync(cluster, markers);

        // Nobody calls the coordinator: read its stored state (without activating it) until the sweep had it finish.
        var reader = cluster.Services().GetRequiredService<GrainStateReader>();
        var started = TimeProvider.System.GetTimestamp();
        TransactionStatus? status = null;
        while (TimeProvider.System.GetElapsedTime(started) < Guard)
        {
            status = (await reader.ReadTransactionAsync("job"))?.Status;
            if (status == TransactionStatus.CompleteCommit)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        status.Should().Be(TransactionStatus.CompleteCommit);
        await CheckCommittedAsync(cluster);
    }

    private async Task<GrainsCluster> StartAsync(MarkerLog markers, TimeSpan sweepInterval)
    {
        var cluster = await GrainsCluster.StartAsync(
            new FileObjectStore(_directory.Path),
            o => o.TransactionSweepInterval = sweepInterval,
            silos: 3,
            responseTimeout: ResponseTimeout,
            configureSilo: markers.Install);
        await cluster.CreateTopicAsync("out", 2);
        return cluster;
    }

    /// <summary>Opens a transaction over two partitions and a group, writes to both, then kills the coordinator's silo
    /// while its commit markers are held; releases them once the silo is dead.</summary>
    private static async Task<(ITransactionCoordinatorGrain Coordinator, ProducerIdentity Producer)> KillMidCommitAsync(GrainsCluster cluster, MarkerLog markers)
    {
        var coordinator = cluster.Client.GetGrain<ITransactionCoordinatorGrain>("job");
        var producer = await Retries.UntilAnsweredAsync(() => coordinator.InitProducerIdAsync(TimeSpan.FromMinutes(5)).AsTask(), Guard);
        await Retries.UntilAnsweredAsync(() => coordinator.AddPartitionsAsync(producer, [new TransactionPartition("out", 0), new TransactionPartition("out", 1)]).AsTask(), Guard);
        for (var partition = 0; partition < 2; partition++)
        {
            var batch = TestBatches.Create($"p{partition}", 3, producerId: producer.ProducerId, epoch: producer.ProducerEpoch, sequence: 0, transactional: true);
            await Retries.UntilAnsweredAsync(() => cluster.Partition("out", partition).ProduceAsync(new ProduceRequest(batch)).AsTask(), Guard);
        }

        await Retries.UntilAnsweredAsync(() => coordinator.AddGroupAsync(producer, "g").AsTask(), Guard);
        var group = cluster.Group("g");
        await Retries.UntilAnsweredAsync(() => group.CommitTransactionalOffsetsAsync(new TransactionalOffsetCommitRequest("job", producer, "", -1, [new CommittedOffset("in", 0, 42, null)])).AsTask(), Guard);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        markers.Gate = gate;
        var ending = coordinator.EndTransactionAsync(producer, commit: true, bumpEpoch: true).AsTask();
        await markers.Held.Task.WaitAsync(Guard);

        var statistics = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var host = statistics.Single(s => s.GrainId.Type.ToString() == TransactionCoordinatorGrain.GrainTypeName).SiloAddress;
        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        cluster.StoreOf(victim).Sever();
        await cluster.Cluster.KillSiloAsync(victim);
        markers.Gate = null;
        gate.TrySetResult();
        await ending.Invoking(t => t).Should().ThrowAsync<RunnelException>("its silo died before it answered");
        return (coordinator, producer);
    }

    /// <summary>Both partitions' records are committed (read_committed sees them) and so is the group's offset.</summary>
    private static async Task CheckCommittedAsync(GrainsCluster cluster)
    {
        for (var partition = 0; partition < 2; partition++)
        {
            var p = partition;
            var read = await Retries.UntilAnsweredAsync(
                () => cluster.Partition("out", p).FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadCommitted)).AsTask(), Guard);
            TestBatches.DataRecords(read.Batches).Select(r => r.Value).Should().Equal($"p{p}-0", $"p{p}-1", $"p{p}-2");
            read.AbortedTransactions.Should().BeEmpty();
        }

        var offsets = await Retries.UntilAnsweredAsync(() => cluster.Group("g").FetchStableOffsetsAsync(null).AsTask(), Guard);
        offsets.Should().ContainSingle().Which.Offset.Should().Be(42);
    }
}
