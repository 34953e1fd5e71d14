using Xunit.Abstractions;
using Runnel.Grains;

namespace Runnel.Client.Tests;

/// <summary><see cref="GroupConsumerTests"/> against the real <see cref="ConsumerGroupGrain"/>.</summary>
public sealed class RealGroupConsumerTests(Infrastructure.RealGroupsClusterFixture fixture, ITestOutputHelper output)
    : GroupConsumerTests(fixture.ForTest(), output), IClassFixture<Infrastructure.RealGroupsClusterFixture>
{
    [Fact]
    public async Task Subscribe_PatternWithRangeAssignor_MatchingTopicsSplitByRange()
    {
        var prefix = "pat" + Guid.NewGuid().ToString("N")[..6];
        await Cluster.Connection.Admin.CreateTopicAsync(prefix + "-a", 2);
        await Cluster.Connection.Admin.CreateTopicAsync(prefix + "-b", 2);
        await Cluster.Connection.Admin.CreateTopicAsync("other-" + prefix, 2);
        var group = NewGroup();
        var log = new Infrastructure.OwnershipLog();
        var options = GroupOptions(group) with { Assignor = PartitionAssignmentStrategy.Range };
        var pattern = new System.Text.RegularExpressions.Regex(prefix + "-.*");

        // Subscribed to the pattern before the first poll: a worker that first joined with a topic list and switched
        // to the pattern later passed through assignments of that list (x: a/0, a/1 then y: b/0, b/1) that also
        // showed two members with two partitions each.
        await using var first = new Infrastructure.GroupWorker("x", Cluster.Connection.Grains, options, c => c.Subscribe(pattern), log);
        await using var second = new Infrastructure.GroupWorker("y", Cluster.Connection.Grains, options, c => c.Subscribe(pattern), log);

        await log.UntilAsync(() => log.Owners() is var o && o.Count == 2 && o.Values.All(v => v.Count == 2), TimeSpan.FromSeconds(20), "2 members with 2 partitions each");
        var owners = log.Owners();
        owners.Values.SelectMany(v => v).Select(p => p.Topic).Should().OnlyContain(t => t.StartsWith(prefix + "-", StringComparison.Ordinal));
        owners.Values.Should().OnlyContain(v => v.Select(p => p.Partition).Distinct().Count() == 1, "range gives each member the same partition number of every topic");
        (await Cluster.Connection.Admin.DescribeGroupAsync(group)).Assignor.Should().Be(PartitionAssignmentStrategy.Range);
    }

    [Fact]
    public async Task Unsubscribe_MemberStays_EveryPartitionRevokedAndCommitted()
    {
        var topic = await Cluster.CreateTopicAsync(2);
        await using (var producer = Cluster.Connection.CreateProducer<string, string>())
        {
            await Task.WhenAll(Enumerable.Range(0, 2).Select(p => producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Value = "x" })));
        }

        var group = NewGroup();
        var log = new Infrastructure.OwnershipLog();
        await using var worker = new Infrastructure.GroupWorker("w", Cluster.Connection.Grains, GroupOptions(group), [topic], log);
        await log.UntilAsync(() => log.Consumed.Count == 2, TimeSpan.FromSeconds(20), "both records consumed");

        worker.Consumer.Unsubscribe();
        await log.UntilAsync(() => log.Owners().Count == 0, TimeSpan.FromSeconds(20), "every partition revoked");

        // The revoked callback runs before the revocation's commit; the member reports the partitions released (and
        // the group drops them from PendingRevocation) only after that commit is durable: wait for that fact.
        var description = await WaitForAsync(
            () => Cluster.Connection.Admin.DescribeGroupAsync(group), d => d.Members.All(m => m.PendingRevocation.Count == 0), "the revoked partitions to be released");

        description.Members.Should().ContainSingle().Which.Assigned.Should().BeEmpty();
        description.Partitions.Select(p => p.CommittedOffset).Should().Equal([1L, 1L], "revocation commits what was consumed");
    }
}
