using Runnel.Client.Internal;
using Runnel.Grains;

namespace Runnel.Client;

/// <summary>
/// Topic and consumer group administration: create, describe, list, alter, delete topics, add partitions, partition
/// offsets; list, describe (with lag), delete groups and reset their offsets. Each method is one or a few grain calls. Calls that fail before they were sent (<see cref="RunnelErrorCode.ConnectionLost"/>,
/// <see cref="RunnelErrorCode.Rejected"/>) are retried up to 3 times; reads are retried on any retriable error.
/// Errors surface as <see cref="RunnelException"/> with the server's code (<see cref="RunnelErrorCode.UnknownTopic"/>,
/// <see cref="RunnelErrorCode.TopicAlreadyExists"/>, <see cref="RunnelErrorCode.InvalidConfig"/>,
/// <see cref="RunnelErrorCode.UnknownGroup"/>, <see cref="RunnelErrorCode.GroupNotEmpty"/>, ...). Thread-safe.
/// </summary>
public sealed class Admin
{
    private const int MaxAttempts = 4;
    private readonly IGrainFactory _grains;

    /// <summary>An admin over any grain factory (a <see cref="RunnelConnection"/>, or a silo's own factory).</summary>
    public Admin(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions and config overrides.</summary>
    public Task<TopicDescription> CreateTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? config = null, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), (g, ct) => g.CreateAsync(partitions, config, ct), idempotent: false, cancellationToken);

    /// <summary>The topic's partition count, effective config and creation time.</summary>
    public Task<TopicDescription> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), (g, ct) => g.DescribeAsync(ct), idempotent: true, cancellationToken);

    /// <summary>Every topic's name, ordinal order.</summary>
    public Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_grains.GetGrain<ITopicCatalogGrain>(""), (g, ct) => g.ListTopicsAsync(ct), idempotent: true, cancellationToken);

    /// <summary>Sets config overrides; a null value removes an override.</summary>
    public Task<TopicDescription> AlterTopicConfigAsync(string topic, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), (g, ct) => g.AlterConfigAsync(changes, ct), idempotent: true, cancellationToken);

    /// <summary>Deletes the topic.</summary>
    public Task DeleteTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), async (g, ct) =>
        {
            await g.DeleteAsync(ct).ConfigureAwait(false);
            return true;
        }, idempotent: false, cancellationToken);

    /// <summary>Grows the topic to <paramref name="totalPartitions"/> partitions (never shrinks).</summary>
    public Task<TopicDescription> AddPartitionsAsync(string topic, int totalPartitions, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), (g, ct) => g.AddPartitionsAsync(totalPartitions, ct), idempotent: true, cancellationToken);

    /// <summary>One partition's watermarks (log start, high watermark, last stable offset).</summary>
    public Task<PartitionOffsets> GetPartitionOffsetsAsync(TopicPartition partition, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.GetOffsetsAsync(ct), idempotent: true, cancellationToken);

    /// <summary>Every partition's watermarks, in partition order: one describe, then the partitions concurrently.</summary>
    public async Task<IReadOnlyList<PartitionOffsets>> GetTopicOffsetsAsync(string topic, CancellationToken cancellationToken = default)
    {
        var description = await DescribeTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var calls = Enumerable.Range(0, description.PartitionCount)
            .Select(p => GetPartitionOffsetsAsync(new TopicPartition(topic, p), cancellationToken));
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    /// <summary>
    /// Kafka's DeleteRecords: records of <paramref name="partition"/> below <paramref name="beforeOffset"/> (-1: the high
    /// watermark) are deleted — no longer readable, and the segments wholly below are removed from storage. Returns the
    /// partition's log start offset afterwards (its low watermark). An offset at or below the log start changes nothing.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.OffsetOutOfRange"/> when the offset is above the high
    /// watermark (or negative other than -1); <see cref="RunnelErrorCode.UnknownTopic"/>.</exception>
    public Task<long> DeleteRecordsAsync(TopicPartition partition, long beforeOffset, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.DeleteRecordsAsync(beforeOffset, ct), idempotent: beforeOffset != -1, cancellationToken);

    /// <summary>The first offset whose record's timestamp is at or after <paramref name="timestamp"/>; null when none is.</summary>
    public Task<long?> OffsetForTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.OffsetForTimestampAsync(timestamp.ToUnixTimeMilliseconds(), ct), idempotent: true, cancellationToken);

    /// <summary>Every consumer group's id, ordinal order.</summary>
    public Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_grains.GetGrain<IConsumerGroupCatalogGrain>(""), (g, ct) => g.ListGroupsAsync(ct), idempotent: true, cancellationToken);

    /// <summary>
    /// The group's state and members, and for every partition it committed or a member owns: the committed offset, the
    /// log end (high watermark) and the lag, plus the total lag. One group call, then one call per partition, concurrently.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.UnknownGroup"/>.</exception>
    public async Task<ConsumerGroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        var group = await CallAsync(Group(groupId), (g, ct) => g.DescribeAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false);
        var owners = new Dictionary<TopicPartition, string>();
        foreach (var member in group.Members)
        {
            foreach (var p in member.Assigned.Concat(member.PendingRevocation))
            {
                owners.TryAdd(new TopicPartition(p.Topic, p.Partition), member.MemberId);
            }
        }

        var committed = group.Offsets.ToDictionary(o => new TopicPartition(o.Topic, o.Partition), o => o.Offset);
        var partitions = committed.Keys.Union(owners.Keys)
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
        var ends = await Task.WhenAll(partitions.Select(p => GetPartitionOffsetsAsync(p, cancellationToken))).ConfigureAwait(false);
        var rows = partitions.Select((p, i) =>
        {
            long? offset = committed.TryGetValue(p, out var c) ? c : null;
            var end = ends[i].HighWatermark;
            return new GroupPartitionLag(p.Topic, p.Partition, offset, end, offset is { } o ? Math.Max(0, end - o) : null, owners.GetValueOrDefault(p));
        }).ToList();
        return new ConsumerGroupDescription(group.GroupId, group.State, group.GroupEpoch, group.Assignor, group.Members, rows, rows.Sum(r => r.Lag ?? 0));
    }

    /// <summary>Deletes a group with no members, with its committed offsets.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.GroupNotEmpty"/>, <see cref="RunnelErrorCode.UnknownGroup"/>.</exception>
    public Task DeleteGroupAsync(string groupId, CancellationToken cancellationToken = default) =>
        CallAsync(Group(groupId), async (g, ct) =>
        {
            await g.DeleteAsync(ct).ConfigureAwait(false);
            return true;
        }, idempotent: false, cancellationToken);

    /// <summary>
    /// Moves the group's committed offsets for every partition of <paramref name="topic"/> (or only
    /// <paramref name="partitions"/>) to where <paramref name="spec"/> says, resolved against each partition's watermarks
    /// (and timestamps) and clamped to [log start, high watermark]; moving back is allowed. Only for a group with no
    /// members. Returns the offsets set, in partition order.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.GroupNotEmpty"/> while members are active,
    /// <see cref="RunnelErrorCode.UnknownTopic"/>, <see cref="RunnelErrorCode.UnknownPartition"/>.</exception>
    public async Task<IReadOnlyList<TopicPartitionOffset>> ResetOffsetsAsync(
        string groupId, string topic, OffsetResetSpec spec, IReadOnlyList<int>? partitions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var grain = Group(groupId);
        var description = await DescribeTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var chosen = partitions ?? [.. Enumerable.Range(0, description.PartitionCount)];
        foreach (var p in chosen.Where(p => p < 0 || p >= description.PartitionCount))
        {
            throw new RunnelException(RunnelErrorCode.UnknownPartition, $"Topic {topic} has {description.PartitionCount} partitions; there is no partition {p}.");
        }

        var current = spec.Kind == OffsetResetKind.ShiftBy
            ? (await CallAsync(grain, (g, ct) => g.FetchOffsetsAsync([.. chosen.Select(p => new GroupPartition(topic, p))], ct), idempotent: true, cancellationToken).ConfigureAwait(false))
                .ToDictionary(o => o.Partition, o => o.Offset)
            : [];
        var resolved = await Task.WhenAll(chosen.Select(async p =>
        {
            var tp = new TopicPartition(topic, p);
            var watermarks = await GetPartitionOffsetsAsync(tp, cancellationToken).ConfigureAwait(false);
            var target = spec.Kind switch
            {
                OffsetResetKind.ToEarliest => watermarks.LogStartOffset,
                OffsetResetKind.ToLatest => watermarks.HighWatermark,
                OffsetResetKind.ToOffset => spec.Value,
                OffsetResetKind.ShiftBy => (current.TryGetValue(p, out var c) ? c : watermarks.LogStartOffset) + spec.Value,
                _ => await OffsetForTimestampAsync(tp, DateTimeOffset.FromUnixTimeMilliseconds(spec.Value), cancellationToken).ConfigureAwait(false)
                    ?? watermarks.HighWatermark,
            };
            return new TopicPartitionOffset(tp, Math.Clamp(target, watermarks.LogStartOffset, watermarks.HighWatermark));
        })).ConfigureAwait(false);
        await CallAsync(grain, async (g, ct) =>
        {
            await g.ResetOffsetsAsync([.. resolved.Select(o => new CommittedOffset(o.Topic, o.Partition, o.Offset, null))], ct).ConfigureAwait(false);
            return true;
        }, idempotent: true, cancellationToken).ConfigureAwait(false);
        return resolved;
    }

    private IConsumerGroupGrain Group(string groupId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        GroupIds.Validate(groupId); // the server's own rule: a bad id fails here, without a call

        return _grains.GetGrain<IConsumerGroupGrain>(groupId);
    }

    private ITopicGrain Topic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return _grains.GetGrain<ITopicGrain>(topic);
    }

    private IPartitionGrain Partition(TopicPartition partition)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition.Topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition.Partition);
        return _grains.GetGrain<IPartitionGrain>(partition.GrainKey);
    }

    private static async Task<TResult> CallAsync<TGrain, TResult>(
        TGrain grain, Func<TGrain, CancellationToken, ValueTask<TResult>> call, bool idempotent, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(grain, cancellationToken).ConfigureAwait(false);
            }
            catch (RunnelException ex) when (attempt + 1 < MaxAttempts && Errors.IsRetriable(ex) && (idempotent || !ex.IsOutcomeUnknown && ex.Code != RunnelErrorCode.OutcomeUnknown))
            {
                await Task.Delay(Errors.Backoff(attempt, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
