namespace Runnel.Grains.Internal;

/// <summary>
/// The assignors: pure functions from (members' subscriptions, partition counts, previous assignment) to a target
/// assignment. Deterministic (members and partitions are taken in ordinal order), thread-safe, no I/O.
/// </summary>
/// <remarks>Every partition of a topic that at least one member subscribes to and that exists goes to exactly one
/// member subscribed to its topic; every member appears in the result (possibly with nothing).</remarks>
internal static class GroupAssignors
{
    /// <summary>Assigns with <paramref name="assignor"/>.</summary>
    /// <param name="assignor">Which algorithm.</param>
    /// <param name="subscriptions">Member id → the topics it subscribes to (resolved: patterns already matched).</param>
    /// <param name="partitionCounts">Topic → partition count; topics missing here do not exist and get nothing.</param>
    /// <param name="previous">The previous target (member id → partitions); only <see cref="GroupAssignor.Uniform"/>
    /// uses it, to move as few partitions as it can.</param>
    /// <returns>Member id → its partitions in (topic, partition) order.</returns>
    public static Dictionary<string, IReadOnlyList<GroupPartition>> Assign(
        GroupAssignor assignor,
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        IReadOnlyDictionary<string, int> partitionCounts,
        IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        ArgumentNullException.ThrowIfNull(partitionCounts);
        var members = subscriptions.Keys.Order(StringComparer.Ordinal).ToList();
        var result = assignor switch
        {
            GroupAssignor.Uniform => Uniform(members, subscriptions, partitionCounts, previous),
            GroupAssignor.Range => Range(members, subscriptions, partitionCounts),
            GroupAssignor.RoundRobin => RoundRobin(members, subscriptions, partitionCounts),
            _ => throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Assignor {assignor} is not one of Uniform, Range, RoundRobin."),
        };

        return result.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyList<GroupPartition>)[.. kv.Value.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)],
            StringComparer.Ordinal);
    }

    /// <summary>Every existing partition some member subscribes to, in (topic, partition) order.</summary>
    private static List<GroupPartition> SubscribedPartitions(IEnumerable<IReadOnlySet<string>> subscriptions, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var topics = subscriptions.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var partitions = new List<GroupPartition>();
        foreach (var topic in topics)
        {
            if (partitionCounts.TryGetValue(topic, out var count))
            {
                for (var p = 0; p < count; p++)
                {
                    partitions.Add(new GroupPartition(topic, p));
                }
            }
        }

        return partitions;
    }

    private static Dictionary<string, List<GroupPartition>> Empty(List<string> members) =>
        members.ToDictionary(m => m, _ => new List<GroupPartition>(), StringComparer.Ordinal);

    /// <summary>
    /// Even and sticky: every member first keeps what it had (still subscribed, still existing, not claimed by an
    /// earlier member), unowned partitions go to the eligible member with the fewest, then partitions move one at a
    /// time from the fullest member to the emptiest eligible one while they differ by more than one. Each move lowers
    /// the sum of squared counts, so the loop ends; with equal subscriptions it ends perfectly even (counts differ by
    /// at most one) after moving only the surplus over each member's share.
    /// </summary>
    private static Dictionary<string, List<GroupPartition>> Uniform(
        List<string> members,
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        IReadOnlyDictionary<string, int> partitionCounts,
        IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>>? previous)
    {
        var owned = members.ToDictionary(m => m, _ => new SortedSet<GroupPartition>(PartitionOrder.Instance), StringComparer.Ordinal);
        var taken = new HashSet<GroupPartition>();
        bool Exists(GroupPartition p) => partitionCounts.TryGetValue(p.Topic, out var count) && p.Partition >= 0 && p.Partition < count;

        if (previous is not null)
        {
            foreach (var member in members)
            {
                if (!previous.TryGetValue(member, out var had))
                {
                    continue;
                }

                foreach (var p in had)
                {
                    if (subscriptions[member].Contains(p.Topic) && Exists(p) && taken.Add(p))
                    {
                        owned[member].Add(p);
                    }
                }
            }
        }

        foreach (var p in SubscribedPartitions(subscriptions.Values, partitionCounts))
        {
            if (taken.Contains(p))
            {
                continue;
            }

            var target = members.Where(m => subscriptions[m].Contains(p.Topic)).MinBy(m => owned[m].Count);
            if (target is not null)
            {
                owned[target].Add(p);
                taken.Add(p);
            }
        }

        while (TryFindMove(members, subscriptions, owned, out var from, out var to, out var partition))
        {
            owned[from].Remove(partition);
            owned[to].Add(partition);
        }

        return owned.ToDictionary(kv => kv.Key, kv => kv.Value.ToList(), StringComparer.Ordinal);
    }

    /// <summary>The next balancing move: from the fullest member that has a partition an emptier (by two or more)
    /// eligible member could take, its last such partition to the emptiest such member.</summary>
    private static bool TryFindMove(
        List<string> members,
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        Dictionary<string, SortedSet<GroupPartition>> owned,
        out string from,
        out string to,
        out GroupPartition partition)
    {
        var byCountDescending = members.OrderByDescending(m => owned[m].Count).ToList();
        var byCountAscending = members.OrderBy(m => owned[m].Count).ToList();
        foreach (var a in byCountDescending)
        {
            foreach (var b in byCountAscending)
            {
                if (owned[a].Count <= owned[b].Count + 1)
                {
                    break;
                }

                var candidate = owned[a].Reverse().FirstOrDefault(p => subscriptions[b].Contains(p.Topic));
                if (candidate is not null)
                {
                    from = a;
                    to = b;
                    partition = candidate;
                    return true;
                }
            }
        }

        from = to = "";
        partition = null!;
        return false;
    }

    /// <summary>Kafka's range: per topic, its subscribers in member-id order each get a consecutive run; the first
    /// <c>count % subscribers</c> get one more.</summary>
    private static Dictionary<string, List<GroupPartition>> Range(
        List<string> members,
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = Empty(members);
        var topics = subscriptions.Values.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic, out var count))
            {
                continue;
            }

            var subscribers = members.Where(m => subscriptions[m].Contains(topic)).ToList();
            var share = count / subscribers.Count;
            var extra = count % subscribers.Count;
            var next = 0;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var take = share + (i < extra ? 1 : 0);
                for (var k = 0; k < take; k++)
                {
                    result[subscribers[i]].Add(new GroupPartition(topic, next++));
                }
            }
        }

        return result;
    }

    /// <summary>Kafka's round-robin: every partition in (topic, partition) order to the next member, in member-id
    /// order and circling, that subscribes to its topic.</summary>
    private static Dictionary<string, List<GroupPartition>> RoundRobin(
        List<string> members,
        IReadOnlyDictionary<string, IReadOnlySet<string>> subscriptions,
        IReadOnlyDictionary<string, int> partitionCounts)
    {
        var result = Empty(members);
        var cursor = 0;
        foreach (var p in SubscribedPartitions(subscriptions.Values, partitionCounts))
        {
            for (var step = 0; step < members.Count; step++)
            {
                var member = members[(cursor + step) % members.Count];
                if (subscriptions[member].Contains(p.Topic))
                {
                    result[member].Add(p);
                    cursor = (cursor + step + 1) % members.Count;
                    break;
                }
            }
        }

        return result;
    }
}
