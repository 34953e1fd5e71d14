using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>A serialized record on its way through the producer. Owned by the producer's lock once handed over.</summary>
/// <remarks>Key and value may be borrowed: slices of the producing thread's serialization buffer, valid only until
/// <see cref="ProducerEngine.Accept"/> returns. The engine copies them into the partition's batch when it appends the
/// record, and into arrays of the record's own (<see cref="OwnBytes"/>) only when the record has to wait, so a record
/// appended at once costs no copy of its bytes besides the batch's. Once appended they are dropped
/// (<see cref="DropBytes"/>): only the batch holds them.</remarks>
internal sealed class ProducerRecord
{
    /// <summary>Bookkeeping bytes counted per record against <see cref="ProducerOptions.BufferMemory"/>.</summary>
    public const int Overhead = 64;

    public ProducerRecord(string topic, int partition, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, RecordHeader[] headers, long timestamp, IDeliveryHandler handler)
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

    /// <summary>The serialized key; null for a null key. Borrowed or owned: see the remarks.</summary>
    public ReadOnlyMemory<byte>? Key { get; private set; }

    /// <summary>The serialized value; null for a null value. Borrowed or owned: see the remarks.</summary>
    public ReadOnlyMemory<byte>? Value { get; private set; }

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

    /// <summary>Set on the first record of records that must land in one batch (a changelog update's before and after
    /// images, <see cref="ProducerEngine.AcceptTogether"/>): all of them, this one first. The group waits, is appended,
    /// fails and is forgotten as one; null for a record on its own.</summary>
    public ProducerRecord[]? Group { get; set; }

    /// <summary>An upper bound of the record's encoded size in a batch: <see cref="Size"/> covers the key, value, header
    /// keys (3 bytes a char, UTF-8's worst) and values and 64 bytes of varints; each header adds two length varints
    /// (at most 5 bytes each).</summary>
    public int MaxEncodedSize => Size + (10 * Headers.Length);

    /// <summary>Copies borrowed key and value bytes into arrays of the record's own (it is about to wait, and the
    /// producing thread's buffer will be reused).</summary>
    public void OwnBytes()
    {
        if (Key is { } key)
        {
            Key = key.ToArray();
        }

        if (Value is { } value)
        {
            Value = value.ToArray();
        }
    }

    /// <summary>Forgets the key and value bytes (the record's batch holds a copy, or it failed).</summary>
    public void DropBytes()
    {
        Key = Key.HasValue ? ReadOnlyMemory<byte>.Empty : (ReadOnlyMemory<byte>?)null;
        Value = Value.HasValue ? ReadOnlyMemory<byte>.Empty : (ReadOnlyMemory<byte>?)null;
    }
}
