namespace Runnel.Client;

/// <summary>
/// Special offsets for <see cref="Consumer{TKey, TValue}.Assign(IEnumerable{TopicPartitionOffset})"/> and
/// <see cref="Consumer{TKey, TValue}.Seek"/>, with Kafka's values. They are resolved against the partition's
/// watermarks when the consumer first fetches from it.
/// </summary>
public static class Offset
{
    /// <summary>The partition's log start offset (the oldest record still kept).</summary>
    public const long Beginning = -2;

    /// <summary>The partition's high watermark: only records produced from now on.</summary>
    public const long End = -1;

    /// <summary>No position: resolved by <see cref="ConsumerOptions.AutoOffsetReset"/>.</summary>
    public const long Unset = -1001;

    internal static bool IsSpecial(long offset) => offset < 0;
}
