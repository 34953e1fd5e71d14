using Xunit.Abstractions;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary><see cref="GroupConsumerTests"/> against the fake group grain, plus what only the fake can inject.</summary>
public sealed class FakeGroupConsumerTests(ITestOutputHelper output) : GroupConsumerTests(output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    protected override bool RealGroups => false;

    [Fact]
    public async Task Heartbeat_Fenced_PartitionsLostAndRejoinsWithEpochZero()
    {
        var topic = await Cluster.CreateTopicAsync(2);
        var group = GroupConsumerTests.NewGroup();
        var log = new OwnershipLog();
        var worker = new GroupWorker("w", Cluster.Connection.Grains, GroupConsumerTests.GroupOptions(group), [topic], log);
        await log.UntilAsync(() => log.Owners().GetValueOrDefault("w")?.Count == 2, Guard, "the member owns both partitions");
        var member = worker.Consumer.MemberId;
        var fake = Cluster.Broker.Group(group);
        lock (fake.Gate)
        {
            fake.FenceNext = member;
        }

        await log.UntilAsync(() => worker.LostCount == 2 && log.Owners().GetValueOrDefault("w")?.Count == 2, Guard, "lost, then both partitions back");
        worker.Consumer.MemberId.Should().NotBe(member);
        await worker.DisposeAsync();
    }
}
