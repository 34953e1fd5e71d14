namespace Runnel.Client;

/// <summary>A record to produce, or the record a consumer read.</summary>
/// <remarks>A producer reads the message when it is handed over (serializing key and value then); it does not keep
/// the object for anything but the delivery report, and does not change it.</remarks>
public sealed class Message<TKey, TValue>
{
    /// <summary>The key; null is a null key (kept as null on the wire, and partitioned with the sticky partitioner).</summary>
    public TKey? Key { get; init; }

    /// <summary>The value; null is a null value (a tombstone).</summary>
    public TValue? Value { get; init; }

    /// <summary>Headers, or null for none.</summary>
    public Headers? Headers { get; init; }

    /// <summary>The record's create time. Producing: null means "now" (the producer's clock). Consuming: always set.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
