using Xunit.Abstractions;
using Runnel.Grains;

namespace Runnel.Client.Tests;

/// <summary><see cref="GroupConsumerTests"/> against the real <see cref="ConsumerGroupGrain"/>.</summary>
public sealed class RealGroupConsumerTests(ITestOutputHelper output) : GroupConsumerTests(output)
{
    protected override bool RealGroups => true;

    [Fact]
    public async Task Subscribe_PatternWithRangeAssignor_MatchingTopicsSplitByRange()
    {
        var prefix = "pat" + Guid.NewGuid().ToString("N")[..6];
        await Cluster.Connection.Admin.CreateTopicAsync(prefix + "-a", 2);
        await Cluster.Connection.Admin.CreateTopicAsync(prefix + "-b", 2);
        await Cluster.Connection.Admin.CreateTopicAsync("other-" + prefix, 2);
        var group = NewGroup();
        var log = new Infrastructure.OwnershipLog();
        var options = GroupOptions(group) with { Assignor = GroupAssignor.Range };
        await using var first = new Infrastructure.GroupWorker("x", Cluster.Connection, options, [prefix + "-a"], log);
        first.Consumer.Subscribe(new System.Text.RegularExpressions.Regex(prefix + "-.*"));
        await using var second = new Infrastructure.GroupWorker("y", Cluster.Connection, options, [prefix + "-a"], log);
        second.Consumer.Subscribe(new System.Text.RegularExpressions.Regex(prefix + "-.*"));

        await log.UntilAsync(() => log.Owners() is var o && o.Count == 2 && o.Values.All(v => v.Count == 2), TimeSpan.FromSeconds(20), "2 members with 2 partitions each");
        var owners = log.Owners();
        owners.Values.SelectMany(v => v).Select(p => p.Topic).Should().OnlyContain(t => t.StartsWith(prefix + "-", StringComparison.Ordinal));
        owners.Values.Should().OnlyContain(v => v.Select(p => p.Partition).Distinct().Count() == 1, "range gives each member the same partition number of every topic");
        (await Cluster.Connection.Admin.DescribeGroupAsync(group)).Assignor.Should().Be(GroupAssignor.Range);
    }
}
