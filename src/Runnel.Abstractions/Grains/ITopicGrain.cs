using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>
/// A topic's metadata: partition count and config, kept as the grain's persistent state (grain storage <c>runnel</c>)
/// and changed only under its ETag. Key: the topic name (Kafka's rules: 1–249 characters of <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or
/// <c>..</c>). Errors carry <see cref="RunnelErrorCode.InvalidTopicName"/>, <see cref="RunnelErrorCode.InvalidConfig"/>,
/// <see cref="RunnelErrorCode.TopicAlreadyExists"/> or <see cref="RunnelErrorCode.UnknownTopic"/>, naming what was wrong.
/// </summary>
[Alias("runnel.topic")]
public interface ITopicGrain : IGrainWithStringKey
{
    /// <summary>Creates the topic with <paramref name="partitions"/> partitions (1–10,000) and config overrides
    /// (unknown keys and ill-typed values are errors).</summary>
    [Alias("CreateAsync")]
    ValueTask<TopicDescription> CreateAsync(int partitions, IReadOnlyDictionary<string, string>? config, CancellationToken cancellationToken = default);

    /// <summary>The topic's partition count and effective config (defaults filled in).</summary>
    [ReadOnly]
    [Alias("DescribeAsync")]
    ValueTask<TopicDescription> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the topic: its partitions stop serving, then their blobs are removed.</summary>
    [Alias("DeleteAsync")]
    ValueTask DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets config overrides (validated like <see cref="CreateAsync"/>); a value of null removes an override.</summary>
    [Alias("AlterConfigAsync")]
    ValueTask<TopicDescription> AlterConfigAsync(IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default);

    /// <summary>Grows the topic to <paramref name="totalPartitions"/> partitions (never shrinks, as in Kafka).</summary>
    [Alias("AddPartitionsAsync")]
    ValueTask<TopicDescription> AddPartitionsAsync(int totalPartitions, CancellationToken cancellationToken = default);
}
