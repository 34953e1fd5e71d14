using Runnel.Client.Internal;
using Runnel.Grains;

namespace Runnel.Client;

/// <summary>
/// Topic administration: create, describe, list, alter, delete, add partitions, and partition offsets. Each method is
/// one or a few grain calls. Calls that fail before they were sent (<see cref="RunnelErrorCode.ConnectionLost"/>,
/// <see cref="RunnelErrorCode.Rejected"/>) are retried up to 3 times; reads are retried on any retriable error.
/// Errors surface as <see cref="RunnelException"/> with the server's code (<see cref="RunnelErrorCode.UnknownTopic"/>,
/// <see cref="RunnelErrorCode.TopicAlreadyExists"/>, <see cref="RunnelErrorCode.InvalidConfig"/>, ...). Thread-safe.
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

    /// <summary>The first offset whose record's timestamp is at or after <paramref name="timestamp"/>; null when none is.</summary>
    public Task<long?> OffsetForTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default) =>
        CallAsync(Partition(partition), (g, ct) => g.OffsetForTimestampAsync(timestamp.ToUnixTimeMilliseconds(), ct), idempotent: true, cancellationToken);

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
