using Runnel.Client.Internal;
using Runnel.Grains;

namespace Runnel.Client;

/// <summary>
/// Topic and consumer group administration: create, describe, list, alter, delete topics, add partitions, partition
/// offsets; list, describe (with lag), delete groups and reset their offsets. Each method is one or a few grain calls. Calls that fail before they were sent (<see cref="RunnelErrorCode.ConnectionLost"/>,
/// <see cref="RunnelErrorCode.Rejected"/>) are retried up to 3 times; reads are retried on any retriable error.
/// Errors surface as <see cref="RunnelException"/> with the server's code (<see cref="RunnelErrorCode.UnknownTopic"/>,
/// <see cref="RunnelErrorCode.TopicAlreadyExists"/>, <see cref="RunnelErrorCode.InvalidConfig"/>,
/// <see cref="RunnelErrorCode.UnknownGroup"/>, <see cref="RunnelErrorCode.GroupNotEmpty"/>, ...). Thread-safe. The
/// implementation of <see cref="IAdminClient"/> that <see cref="RunnelConnection.Admin"/> returns.
/// </summary>
public sealed class Admin : IAdminClient
{
    private const int MaxAttempts = 4;
    private readonly IGrainFactory _grains;

    /// <summary>An admin over any grain factory (a connection's, or a silo's own). Internal: the runtime underneath is not
    /// part of the public API; use <see cref="RunnelConnection.Admin"/>.</summary>
    internal Admin(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    /// <inheritdoc />
    public async Task<TopicDescription> CreateTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? config = null, CancellationToken cancellationToken = default) =>
        (await CallAsync(Topic(topic), (g, ct) => g.CreateAsync(partitions, config, ct), idempotent: false, cancellationToken).ConfigureAwait(false)).ToClient();

    /// <inheritdoc />
    public async Task<TopicDescription> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        (await CallAsync(Topic(topic), (g, ct) => g.DescribeAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false)).ToClient();

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_grains.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey), (g, ct) => g.ListTopicsAsync(ct), idempotent: true, cancellationToken);

    /// <inheritdoc />
    public async Task<TopicDescription> AlterTopicConfigAsync(string topic, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default) =>
        (await CallAsync(Topic(topic), (g, ct) => g.AlterConfigAsync(changes, ct), idempotent: true, cancellationToken).ConfigureAwait(false)).ToClient();

    /// <inheritdoc />
    public Task DeleteTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        CallAsync(Topic(topic), async (g, ct) =>
        {
            await g.DeleteAsync(ct).ConfigureAwait(false);
            return true;
        }, idempotent: false, cancellationToken);

    /// <inheritdoc />
    public async Task<TopicDescription> AddPartitionsAsync(string topic, int totalPartitions, CancellationToken cancellationToken = default) =>
        (await CallAsync(Topic(topic), (g, ct) => g.AddPartitionsAsync(totalPartitions, ct), idempotent: true, cancellationToken).ConfigureAwait(false)).ToClient();

    /// <inheritdoc />
    public async Task<WatermarkOffsets> GetPartitionOffsetsAsync(TopicPartition partition, CancellationToken cancellationToken = default) =>
        (await CallAsync(Partition(partition), (g, ct) => g.GetOffsetsAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false)).ToClient();

    /// <inheritdoc />
    public async Task<IReadOnlyList<WatermarkOffsets>> GetTopicOffsetsAsync(string topic, CancellationToken cancellationToken = default)
    {
        var description = await DescribeTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var calls = Enumerable.Range(0, description.PartitionCount)
            .Select(p => GetPartitionOffsetsAsync(new TopicPartition(topic, p), cancellationToken));
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<long> DeleteRecordsAsync(TopicPartition partition, long beforeOffset, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.DeleteRecordsAsync(beforeOffset, ct), idempotent: beforeOffset != -1, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<CompactionResult>> CompactTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        var description = await DescribeTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var calls = Enumerable.Range(0, description.PartitionCount).Select(async p =>
        {
            var pass = await CallAsync(Partition(new TopicPartition(topic, p)), (g, ct) => g.CompactAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false);
            return new CompactionResult(new TopicPartition(topic, p), pass.SegmentsCleaned, pass.BytesRead, pass.BytesWritten, pass.RecordsRead, pass.RecordsKept, pass.FirstDirtyOffset);
        });
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<long?> OffsetForTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.OffsetForTimestampAsync(timestamp.ToUnixTimeMilliseconds(), ct), idempotent: true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_grains.GetGrain<IConsumerGroupCatalogGrain>(RunnelCluster.SingletonKey), (g, ct) => g.ListGroupsAsync(ct), idempotent: true, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TransactionDescription>> ListTransactionsAsync(CancellationToken cancellationToken = default)
    {
        var list = await CallAsync(_grains.GetGrain<ITransactionCatalogGrain>(RunnelCluster.SingletonKey), (g, ct) => g.ListAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false);
        return [.. list.Select(d => d.ToClient())];
    }

    /// <inheritdoc />
    public async Task<TransactionDescription> DescribeTransactionAsync(string transactionalId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(transactionalId);
        var description = await CallAsync(_grains.GetGrain<ITransactionCoordinatorGrain>(transactionalId), (g, ct) => g.DescribeAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false);
        return description.ToClient();
    }

    /// <inheritdoc />
    public async Task<ConsumerGroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        var group = await CallAsync(Group(groupId), (g, ct) => g.DescribeAsync(ct), idempotent: true, cancellationToken).ConfigureAwait(false);
        var members = group.Members.Select(m => m.ToClient()).ToList();
        var owners = new Dictionary<TopicPartition, string>();
        foreach (var member in members)
        {
            foreach (var p in member.Assigned.Concat(member.PendingRevocation))
            {
                owners.TryAdd(p, member.MemberId);
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
        return new ConsumerGroupDescription(group.GroupId, group.State.ToClient(), group.GroupEpoch, group.Assignor.ToClient(), members, rows, rows.Sum(r => r.Lag ?? 0));
    }

    /// <inheritdoc />
    public Task DeleteGroupAsync(string groupId, CancellationToken cancellationToken = default) =>
        CallAsync(Group(groupId), async (g, ct) =>
        {
            await g.DeleteAsync(ct).ConfigureAwait(false);
            return true;
        }, idempotent: false, cancellationToken);

    /// <inheritdoc />
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
