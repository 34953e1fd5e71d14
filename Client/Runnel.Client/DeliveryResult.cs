namespace Runnel.Client;

/// <summary>Where a record was stored: durable at <see cref="Offset"/> in <see cref="TopicPartition"/>.</summary>
public sealed class DeliveryResult<TKey, TValue>
{
    internal DeliveryResult(TopicPartition topicPartition, long offset, DateTimeOffset timestamp, Message<TKey, TValue> message)
    {
        TopicPartition = topicPartition;
        Offset = offset;
        Timestamp = timestamp;
        Message = message;
    }

    public TopicPartition TopicPartition { get; }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    /// <summary>The record's offset.</summary>
    public long Offset { get; }

    /// <summary>The record's timestamp as written.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The message as handed to the producer.</summary>
    public Message<TKey, TValue> Message { get; }
}
