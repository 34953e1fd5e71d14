using Runnel.Grains.Internal;

namespace Runnel.Grains.Tests;

public sealed class GroupAssignorsTests
{
    private static readonly Dictionary<string, int> TwelveOfT = new() { ["t"] = 12 };

    private static Dictionary<string, IReadOnlySet<string>> Subscribe(int members, params string[] topics) =>
        Enumerable.Range(1, members).ToDictionary(i => $"m{i:D2}", _ => (IReadOnlySet<string>)topics.ToHashSet(), StringComparer.Ordinal);

    private static int Moved(IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>> before, IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>> after)
    {
        var owner = before.SelectMany(kv => kv.Value.Select(p => (p, kv.Key))).ToDictionary(x => x.p, x => x.Key);
        return after.Sum(kv => kv.Value.Count(p => !owner.TryGetValue(p, out var was) || was != kv.Key));
    }

    private static void AssertComplete(
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        IReadOnlyDictionary<string, int> counts,
        IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>> assignment)
    {
        var all = assignment.SelectMany(kv => kv.Value).ToList();
        all.Should().OnlyHaveUniqueItems();
        var expected = subscriptions.Values.SelectMany(s => s).Distinct().Where(counts.ContainsKey).Sum(t => counts[t]);
        all.Should().HaveCount(expected);
        assignment.Should().OnlyContain(kv => kv.Value.All(p => subscriptions[kv.Key].Contains(p.Topic)));
        assignment.Keys.Should().BeEquivalentTo(subscriptions.Keys);
    }

    [Fact]
    public void Uniform_ThreeMembersTwelvePartitions_FourEachAndAFourthMovesExactlyThree()
    {
        var three = GroupAssignors.Assign(GroupAssignor.Uniform, Subscribe(3, "t"), TwelveOfT);
        var four = GroupAssignors.Assign(GroupAssignor.Uniform, Subscribe(4, "t"), TwelveOfT, three);

        three.Values.Should().OnlyContain(p => p.Count == 4);
        four.Values.Should().OnlyContain(p => p.Count == 3);
        Moved(three, four).Should().Be(3);
    }

    [Fact]
    public void Uniform_MemberLeaves_OnlyItsPartitionsMove()
    {
        var four = GroupAssignors.Assign(GroupAssignor.Uniform, Subscribe(4, "t"), TwelveOfT);
        var three = GroupAssignors.Assign(GroupAssignor.Uniform, Subscribe(3, "t"), TwelveOfT, four);

        three.Values.Should().OnlyContain(p => p.Count == 4);
        Moved(four, three).Should().Be(3, "only the leaver's three partitions get new owners");
    }

    [Fact]
    public void Uniform_RandomHomogeneousMemberships_BalancedCompleteAndMovesOnlyTheSurplus()
    {
        var random = new Random(4242);
        for (var trial = 0; trial < 200; trial++)
        {
            var counts = new Dictionary<string, int> { ["a"] = random.Next(0, 20), ["b"] = random.Next(1, 20) };
            var before = Subscribe(random.Next(1, 9), "a", "b");
            var after = Subscribe(random.Next(1, 9), "a", "b");
            var first = GroupAssignors.Assign(GroupAssignor.Uniform, before, counts);
            var second = GroupAssignors.Assign(GroupAssignor.Uniform, after, counts, first);

            AssertComplete(after, counts, second);
            (second.Values.Max(p => p.Count) - second.Values.Min(p => p.Count)).Should().BeLessThanOrEqualTo(1, "trial {0}", trial);

            // The least any even reassignment can move: what departed members held, plus each remaining member's
            // surplus over the largest share it could keep.
            var total = counts.Values.Sum();
            var ceiling = (total + after.Count - 1) / after.Count;
            var floor = total / after.Count;
            var extras = total % after.Count;
            var kept = first.Where(kv => after.ContainsKey(kv.Key)).Select(kv => kv.Value.Count).OrderDescending().ToList();
            var keepable = kept.Select((count, i) => Math.Min(count, i < extras ? ceiling : floor)).Sum();
            Moved(first, second).Should().Be(total - keepable, "trial {0}", trial);
        }
    }

    [Fact]
    public void Uniform_RandomHeterogeneousSubscriptions_CompleteAndOnlyToSubscribers()
    {
        var random = new Random(7);
        var topics = new[] { "a", "b", "c", "d" };
        for (var trial = 0; trial < 200; trial++)
        {
            var counts = topics.Where(_ => random.Next(5) > 0).ToDictionary(t => t, _ => random.Next(0, 10));
            var subscriptions = Enumerable.Range(0, random.Next(1, 7)).ToDictionary(
                i => $"m{i}",
                _ => (IReadOnlySet<string>)topics.Where(_ => random.Next(2) == 0).DefaultIfEmpty("a").ToHashSet(),
                StringComparer.Ordinal);
            var previous = GroupAssignors.Assign(GroupAssignor.Uniform, subscriptions, counts);
            subscriptions[$"new{trial}"] = topics.ToHashSet();

            var assignment = GroupAssignors.Assign(GroupAssignor.Uniform, subscriptions, counts, previous);

            AssertComplete(subscriptions, counts, assignment);
        }
    }

    [Fact]
    public void Range_TwoTopicsThreeMembers_ConsecutiveRunsFirstMembersGetTheExtra()
    {
        var counts = new Dictionary<string, int> { ["a"] = 7, ["b"] = 3 };

        var assignment = GroupAssignors.Assign(GroupAssignor.Range, Subscribe(3, "a", "b"), counts);

        assignment["m01"].Should().Equal(P("a", 0), P("a", 1), P("a", 2), P("b", 0));
        assignment["m02"].Should().Equal(P("a", 3), P("a", 4), P("b", 1));
        assignment["m03"].Should().Equal(P("a", 5), P("a", 6), P("b", 2));
    }

    [Fact]
    public void RoundRobin_MixedSubscriptions_CirclesOverSubscribers()
    {
        var counts = new Dictionary<string, int> { ["a"] = 3, ["b"] = 3 };
        var subscriptions = new Dictionary<string, IReadOnlySet<string>>
        {
            ["m1"] = new HashSet<string> { "a", "b" },
            ["m2"] = new HashSet<string> { "b" },
        };

        var assignment = GroupAssignors.Assign(GroupAssignor.RoundRobin, subscriptions, counts);

        assignment["m1"].Should().Equal(P("a", 0), P("a", 1), P("a", 2), P("b", 1));
        assignment["m2"].Should().Equal(P("b", 0), P("b", 2));
    }

    [Fact]
    public void AllAssignors_RandomMemberships_EveryPartitionOnceToASubscriber()
    {
        var random = new Random(99);
        foreach (var assignor in new[] { GroupAssignor.Uniform, GroupAssignor.Range, GroupAssignor.RoundRobin })
        {
            for (var trial = 0; trial < 100; trial++)
            {
                var counts = new Dictionary<string, int> { ["a"] = random.Next(0, 15), ["b"] = random.Next(0, 15) };
                var subscriptions = Enumerable.Range(0, random.Next(1, 6)).ToDictionary(
                    i => $"m{i}",
                    _ => (IReadOnlySet<string>)(random.Next(3) switch { 0 => new HashSet<string> { "a" }, 1 => ["b"], _ => ["a", "b", "missing"] }),
                    StringComparer.Ordinal);

                AssertComplete(subscriptions, counts, GroupAssignors.Assign(assignor, subscriptions, counts));
            }
        }
    }

    private static GroupPartition P(string topic, int partition) => new(topic, partition);
}
