namespace Runnel.Client;

/// <summary>Where a record was stored — durable at <see cref="Offset"/> in <see cref="TopicPartition"/> — or, inside a
/// <see cref="ProduceException{TKey, TValue}"/>, where it was meant to go (<see cref="Offset"/> -1).</summary>
public sealed class DeliveryResult<TKey, TValue>
{
    public DeliveryResult(TopicPartition topicPartition, long offset, DateTimeOffset timestamp, Message<TKey, TValue> message, PersistenceStatus status)
    {
        TopicPartition = topicPartition;
        Offset = offset;
        Timestamp = timestamp;
        Message = message;
        Status = status;
    }

    /// <summary>The partition the record went (or was meant) to; partition -1 when it failed before one was chosen.</summary>
    public TopicPartition TopicPartition { get; }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    /// <summary>The record's offset; -1 when it was not delivered.</summary>
    public long Offset { get; }

    /// <summary>The record's timestamp as written (or as it would have been).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The message as handed to the producer.</summary>
    public Message<TKey, TValue> Message { get; }

    /// <summary><see cref="PersistenceStatus.Persisted"/> for a delivered record; for a failed one
    /// <see cref="PersistenceStatus.PossiblyPersisted"/> when an attempt's outcome is unknown (the record may be stored),
    /// else <see cref="PersistenceStatus.NotPersisted"/>.</summary>
    public PersistenceStatus Status { get; }
}
