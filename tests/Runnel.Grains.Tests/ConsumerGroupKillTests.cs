using System.Collections.Concurrent;
using Runnel.Grains.Tests.Infrastructure;
using Runnel.Log;
using Runnel.Storage;

namespace Runnel.Grains.Tests;

/// <summary>
/// The consumer group grain's durability: a 3-silo cluster in one process (<see cref="GrainsCluster"/>), the silo hosting
/// the group killed (ungracefully, its store severed first so nothing it still does lands) while members commit; a new
/// activation on another silo must replay every acknowledged commit and keep every member with its epoch and partitions.
/// Subclasses name the store.
/// </summary>
public abstract class ConsumerGroupKillTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>How long the client waits for an answer: calls that were on their way to the killed silo fail only then.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract IObjectStore CreateStore();

    [Fact]
    public async Task Commits_GroupSiloKilled_NewActivationHasEveryAcknowledgedCommitAndMembersAreNotFenced()
    {
        var store = CreateStore();
        await using var cluster = await GrainsCluster.StartAsync(store, o => o.GroupSnapshotRecords = 25, silos: 3, responseTimeout: ResponseTimeout);
        await cluster.CreateTopicAsync("t", 12);
        var group = cluster.Group("g");
        var history = new OwnershipHistory();
        var members = Enumerable.Range(1, 3).Select(i => new SimulatedMember(group, $"m{i}") { SessionTimeout = TimeSpan.FromMinutes(1) }).ToList();
        await history.RunUntilStableAsync(members);
        var epochs = members.Select(m => m.Epoch).ToList();
        var owners = OwnershipHistory.Owners(members);
        var manifest = await store.GetAsync("groups/g/manifest");
        var victim = cluster.SiloNamed(PartitionManifest.FromJson(manifest.Content.Span, "groups/g/manifest").Owner);

        var acked = new ConcurrentDictionary<GroupPartition, long>();
        var ackedCommits = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var committing = Task.WhenAll(members.Select(async member =>
        {
            for (var offset = 1L; offset <= 40; offset++)
            {
                await Retries.UntilAnsweredAsync(() => member.CommitOwnedAsync(offset), Guard);
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
        cluster.StoreOf(victim).Sever();
        await cluster.Cluster.KillSiloAsync(victim);
        await committing.WaitAsync(Guard * 2);

        foreach (var member in members)
        {
            await Retries.UntilAnsweredAsync(member.HeartbeatAsync, Guard);
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
}
