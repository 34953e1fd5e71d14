namespace Runnel.Client;

/// <summary>
/// The outcome of one record produced with <c>Producer.Produce</c>: either stored
/// (<see cref="Error"/> null, <see cref="Offset"/> set) or failed for good (<see cref="Error"/> set, <see cref="Offset"/> -1).
/// </summary>
public sealed class DeliveryReport<TKey, TValue>
{
    public DeliveryReport(TopicPartition topicPartition, long offset, DateTimeOffset timestamp, Message<TKey, TValue> message, RunnelException? error)
    {
        TopicPartition = topicPartition;
        Offset = offset;
        Timestamp = timestamp;
        Message = message;
        Error = error;
    }

    /// <summary>The partition the record went (or was meant) to; partition -1 when it failed before one was chosen.</summary>
    public TopicPartition TopicPartition { get; }

    /// <summary>The record's offset, or -1 when it failed.</summary>
    public long Offset { get; }

    public DateTimeOffset Timestamp { get; }

    public Message<TKey, TValue> Message { get; }

    /// <summary>Why the record was not stored; null on success. After a failure with
    /// <see cref="RunnelException.IsOutcomeUnknown"/> the record may nonetheless have been stored.</summary>
    public RunnelException? Error { get; }

    public bool IsSuccess => Error is null;
}
