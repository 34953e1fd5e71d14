namespace Runnel.Client;

/// <summary>One record a consumer read: where it was and what it held (key and value deserialized, headers copied).</summary>
public sealed class ConsumeResult<TKey, TValue>
{
    public ConsumeResult(TopicPartition topicPartition, long offset, Message<TKey, TValue> message)
    {
        TopicPartition = topicPartition;
        Offset = offset;
        Message = message;
    }

    public TopicPartition TopicPartition { get; }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    public long Offset { get; }

    /// <summary>Key, value, headers and timestamp (always set).</summary>
    public Message<TKey, TValue> Message { get; }

    /// <summary>The changelog row kind the record's <see cref="RowKindHeader.Key"/> header names; <see cref="RowKind.None"/>
    /// when it has none (a plain record). Read from <see cref="Message{TKey, TValue}.Headers"/> on each call.</summary>
    public RowKind RowKind => RowKindHeader.Of(Message.Headers);
}
