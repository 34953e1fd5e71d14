using System.Collections.Concurrent;
using Runnel.Grains.Tests.Infrastructure;
using Runnel.Log;
using Runnel.Storage;
using Runnel.TestingHost;

namespace Runnel.Grains.Tests;

/// <summary>
/// The consumer group grain's durability: a 3-silo cluster in one process, the silo hosting the group killed
/// (ungracefully) while members commit; a new activation on another silo must replay every acknowledged commit and
/// keep every member with its epoch and partitions. Subclasses name the store.
/// </summary>
public abstract class ConsumerGroupKillTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract IObjectStore CreateStore();

    [Fact]
    public async Task Commits_GroupSiloKilled_NewActivationHasEveryAcknowledgedCommitAndMembersAreNotFenced()
    {
        await using var cluster = await InProcessTestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 3,
            Store = CreateStore(),
            ConfigureSilo = silo => silo.AddRunnelGrains(o => o.GroupSnapshotRecords = 25),
        });
        await using var client = await cluster.ConnectClientAsync(o => o with { ResponseTimeout = TimeSpan.FromSeconds(5) });
        await client.GetGrain<ITopicGrain>("t").CreateAsync(12, null);
        var group = client.GetGrain<IConsumerGroupGrain>("g");
        var history = new OwnershipHistory();
        var members = Enumerable.Range(1, 3).Select(i => new SimulatedMember(group, $"m{i}") { SessionTimeout = TimeSpan.FromMinutes(1) }).ToList();
        await history.RunUntilStableAsync(members);
        var epochs = members.Select(m => m.Epoch).ToList();
        var owners = OwnershipHistory.Owners(members);
        var manifest = await cluster.Store.GetAsync("groups/g/manifest");
        var victim = cluster.RunningSilos.Single(s => s.Name == PartitionManifest.FromJson(manifest.Content.Span, "groups/g/manifest").Owner);

        var acked = new ConcurrentDictionary<GroupPartition, long>();
        var ackedCommits = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var committing = Task.WhenAll(members.Select(async member =>
        {
            for (var offset = 1L; offset <= 40; offset++)
            {
                await RetryAsync(() => member.CommitOwnedAsync(offset));
                foreach (var p in member.Owned)
                {
                    acked[p] = offset;
                }

                if (Interlocked.Increment(ref ackedCommits) == 45)
                {
                    halfway.TrySetResult();
                }
            }
        }));
        await halfway.Task.WaitAsync(Guard);
        await cluster.KillSiloAsync(victim);
        await committing.WaitAsync(Guard * 2);

        foreach (var member in members)
        {
            await RetryAsync(member.HeartbeatAsync);
            history.Record(members);
        }

        var offsets = (await group.FetchOffsetsAsync(null)).ToDictionary(o => new GroupPartition(o.Topic, o.Partition), o => o.Offset);
        acked.Should().HaveCount(12);
        acked.Should().OnlyContain(kv => offsets[kv.Key] >= kv.Value, "every acknowledged commit survives the kill");
        offsets.Values.Should().OnlyContain(o => o == 40);
        members.Select(m => m.Epoch).Should().Equal(epochs, "restored members keep their epochs: nobody was fenced");
        OwnershipHistory.Owners(members).Should().Equal(owners, "no rebalance happened");
        history.Violations.Should().BeEmpty();
        (await group.DescribeAsync()).State.Should().Be(GroupState.Stable);
    }

    /// <summary>Retries a call that failed with a retriable error (the silo died, the grain is moving), bounded.</summary>
    private static async Task RetryAsync(Func<Task> call)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (RunnelException ex) when ((ex.IsRetriable || ex.IsOutcomeUnknown) && TimeProvider.System.GetElapsedTime(started) < Guard)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 10 * (attempt + 1))));
            }
        }
    }
}
