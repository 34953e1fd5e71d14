namespace Runnel.Client.Internal;

/// <summary>Receives one record's outcome, exactly once. Called outside the producer's lock.</summary>
internal interface IDeliveryHandler
{
    /// <param name="partition">The partition; -1 when the record failed before one was chosen.</param>
    /// <param name="offset">The record's offset, or -1 on failure.</param>
    void OnDelivered(TopicPartition partition, long offset, long timestamp, RunnelException? error);
}
