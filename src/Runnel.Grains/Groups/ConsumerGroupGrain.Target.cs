using System.Text.RegularExpressions;
using Runnel.Grains.Internal;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    /// <summary>Topic → partition count of the topics the members subscribe to (existing ones only), and what the
    /// patterns matched, as of <see cref="_metadataReadAt"/>.</summary>
    private Dictionary<string, int> _partitionCounts = new(StringComparer.Ordinal);
    private Dictionary<string, string[]> _patternMatches = new(StringComparer.Ordinal);
    private HashSet<string> _metadataFor = new(StringComparer.Ordinal);
    private DateTimeOffset _metadataReadAt = DateTimeOffset.MinValue;

    /// <summary>
    /// Refreshes the subscribed topics' metadata when due (or when a subscription names something not looked at yet);
    /// a partition count that differs from what the target was computed with moves the group epoch; when the group
    /// epoch is ahead of the target's, computes a new target with the members' assignor.
    /// </summary>
    private async Task UpdateTargetAsync(GroupMembership draft, List<GroupChange> changes, CancellationToken cancellationToken)
    {
        if (draft.Members.Count == 0)
        {
            if (draft.GroupEpoch > draft.Target.Epoch)
            {
                Emit(draft, changes, new TargetChanged(TargetAssignment.Empty with { Epoch = draft.GroupEpoch, Assignor = draft.Target.Assignor }));
            }

            return;
        }

        await RefreshMetadataAsync(draft, cancellationToken);
        var subscriptions = draft.Members.Values.ToDictionary(m => m.MemberId, ResolveSubscription, StringComparer.Ordinal);
        var counts = subscriptions.Values.SelectMany(s => s).Distinct(StringComparer.Ordinal)
            .Where(_partitionCounts.ContainsKey)
            .ToDictionary(t => t, t => _partitionCounts[t], StringComparer.Ordinal);
        if (draft.GroupEpoch == draft.Target.Epoch && !SameCounts(counts, draft.Target.TopicPartitions))
        {
            Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        }

        if (draft.GroupEpoch <= draft.Target.Epoch)
        {
            return;
        }

        var assignor = draft.Members.Values.GroupBy(m => m.Assignor).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var assignment = GroupAssignors.Assign(assignor, subscriptions, counts, draft.Target.Members);
        Emit(draft, changes, new TargetChanged(new TargetAssignment(draft.GroupEpoch, assignor, counts, assignment)));
        LogTargetComputed(_logger, GroupId, draft.GroupEpoch, assignor, draft.Members.Count, assignment.Values.Sum(a => a.Count));
    }

    private static bool SameCounts(Dictionary<string, int> a, IReadOnlyDictionary<string, int> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var count) && count == kv.Value);

    /// <summary>The topics a member subscribes to: its named topics and what its pattern matched.</summary>
    private IReadOnlySet<string> ResolveSubscription(GroupMember member)
    {
        var topics = new HashSet<string>(member.SubscribedTopics, StringComparer.Ordinal);
        if (member.SubscribedPattern is { } pattern && _patternMatches.TryGetValue(pattern, out var matched))
        {
            topics.UnionWith(matched);
        }

        return topics;
    }

    /// <summary>Re-reads partition counts (a describe per topic, in parallel) and, for patterns, the topic catalog.
    /// A topic that does not exist is left out until it does; a topic whose describe fails otherwise keeps the count
    /// last seen (or the one the target was computed with), so a transient error never shrinks the assignment.</summary>
    private async Task RefreshMetadataAsync(GroupMembership draft, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in draft.Members.Values)
        {
            wanted.UnionWith(member.SubscribedTopics);
            if (member.SubscribedPattern is { } pattern)
            {
                wanted.Add("/" + pattern); // '/' never starts a topic name: the key of a pattern
            }
        }

        var now = _time.GetUtcNow();
        if (now - _metadataReadAt < _options.GroupMetadataRefreshInterval && wanted.IsSubsetOf(_metadataFor))
        {
            return;
        }

        var patterns = wanted.Where(w => w.StartsWith('/')).Select(w => w[1..]).ToList();
        var topics = wanted.Where(w => !w.StartsWith('/')).ToHashSet(StringComparer.Ordinal);
        var matches = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (patterns.Count > 0)
        {
            IReadOnlyList<string> all;
            try
            {
                all = await GrainFactory.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey).ListTopicsAsync(cancellationToken);
            }
            catch (RunnelException ex)
            {
                LogMetadataFailed(_logger, GroupId, "(catalog)", ex.Message);
                all = [.. _patternMatches.Values.SelectMany(m => m).Distinct(StringComparer.Ordinal)];
            }

            foreach (var pattern in patterns)
            {
                TopicPattern.TryCompile(pattern, out var regex, out _);
                matches[pattern] = [.. all.Where(t => SafeMatch(regex!, t))];
                topics.UnionWith(matches[pattern]);
            }
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var described = await Task.WhenAll(topics.Select(async topic =>
        {
            try
            {
                var description = await GrainFactory.GetGrain<ITopicGrain>(topic).DescribeAsync(cancellationToken);
                return (topic, (int?)description.PartitionCount);
            }
            catch (RunnelException ex) when (ex.Code == RunnelErrorCode.UnknownTopic)
            {
                return (topic, null);
            }
            catch (RunnelException ex)
            {
                LogMetadataFailed(_logger, GroupId, topic, ex.Message);
                var known = _partitionCounts.TryGetValue(topic, out var cached) ? cached
                    : draft.Target.TopicPartitions.TryGetValue(topic, out var targeted) ? targeted
                    : (int?)null;
                return (topic, known);
            }
        }));
        foreach (var (topic, count) in described)
        {
            if (count is { } c)
            {
                counts[topic] = c;
            }
        }

        _partitionCounts = counts;
        _patternMatches = matches;
        _metadataFor = wanted;
        _metadataReadAt = now;
    }

    private static bool SafeMatch(Regex regex, string topic)
    {
        try
        {
            return regex.IsMatch(topic);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
