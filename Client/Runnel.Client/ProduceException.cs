namespace Runnel.Client;

/// <summary>
/// A record that <see cref="IProducer{TKey, TValue}.ProduceAsync(string, Message{TKey, TValue}, CancellationToken)"/>
/// did not deliver: <see cref="RunnelException.Code"/> says why (the error that failed it, also the
/// <see cref="Exception.InnerException"/>), <see cref="DeliveryResult"/> says which record and where it was meant to go
/// (offset -1), and <see cref="RunnelException.IsOutcomeUnknown"/> (= <see cref="DeliveryResult"/>'s
/// <see cref="PersistenceStatus.PossiblyPersisted"/>) whether it may nonetheless be stored.
/// </summary>
public sealed class ProduceException<TKey, TValue> : RunnelException
{
    /// <param name="error">The error that failed the record; its code, message and flags are this exception's.</param>
    /// <param name="deliveryResult">The record and where it was meant to go.</param>
    public ProduceException(RunnelException error, DeliveryResult<TKey, TValue> deliveryResult)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Code, error.Message, error, error.IsRetriable, error.IsOutcomeUnknown)
    {
        ArgumentNullException.ThrowIfNull(deliveryResult);
        DeliveryResult = deliveryResult;
    }

    /// <summary>The record (<see cref="DeliveryResult{TKey, TValue}.Message"/>), its topic and partition (-1 when none was
    /// chosen), offset -1, and whether it may be stored (<see cref="DeliveryResult{TKey, TValue}.Status"/>).</summary>
    public DeliveryResult<TKey, TValue> DeliveryResult { get; }

    /// <summary>True when the record may be stored although it failed (an attempt's outcome is unknown): producing it
    /// again may duplicate it.</summary>
    public bool MayBeStored => DeliveryResult.Status == PersistenceStatus.PossiblyPersisted;
}
