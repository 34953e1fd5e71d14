using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>A serialized record on its way through the producer. Owned by the producer's lock once handed over.</summary>
internal sealed class ProducerRecord
{
    /// <summary>Bookkeeping bytes counted per record against <see cref="ProducerOptions.BufferMemory"/>.</summary>
    public const int Overhead = 64;

    public ProducerRecord(string topic, int partition, byte[]? key, byte[]? value, RecordHeader[] headers, long timestamp, IDeliveryHandler handler)
    {
        Topic = topic;
        ExplicitPartition = partition;
        Key = key;
        Value = value;
        Headers = headers;
        Timestamp = timestamp;
        Handler = handler;
        var size = Overhead + (key?.Length ?? 0) + (value?.Length ?? 0);
        foreach (var header in headers)
        {
            size += header.Key.Length * 3 + (header.Value?.Length ?? 0);
        }

        Size = size;
    }

    public string Topic { get; }

    /// <summary>The partition asked for, or -1 to let the partitioner choose.</summary>
    public int ExplicitPartition { get; }

    public byte[]? Key { get; }

    public byte[]? Value { get; }

    public RecordHeader[] Headers { get; }

    /// <summary>Create time, Unix ms.</summary>
    public long Timestamp { get; }

    public IDeliveryHandler Handler { get; }

    /// <summary>Bytes counted against the buffer.</summary>
    public int Size { get; }

    /// <summary>Flush epoch at acceptance (see <see cref="ProducerEngine.FlushAsync"/>).</summary>
    public long Epoch { get; set; }

    /// <summary>The partition chosen, once appended.</summary>
    public int Partition { get; set; } = -1;

    /// <summary>Set while the record waits for room or metadata: completes when it is appended (or fails).</summary>
    public TaskCompletionSource? Accepted { get; set; }

    public ITimer? WaitTimer { get; set; }

    public LinkedListNode<ProducerRecord>? WaitingNode { get; set; }

    public ReadOnlyMemory<byte>? KeyMemory => Key is { } key ? key : (ReadOnlyMemory<byte>?)null;

    public ReadOnlyMemory<byte>? ValueMemory => Value is { } value ? value : (ReadOnlyMemory<byte>?)null;
}
