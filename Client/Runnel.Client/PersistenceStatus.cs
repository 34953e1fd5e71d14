namespace Runnel.Client;

/// <summary>Whether a produced record is stored (as Confluent.Kafka's <c>PersistenceStatus</c>).</summary>
public enum PersistenceStatus
{
    /// <summary>The record was not stored: no attempt of it reached the partition's log.</summary>
    NotPersisted = 0,

    /// <summary>The record may or may not be stored: an attempt's outcome is unknown (a lost response, a timeout after
    /// sending). Producing it again may duplicate it.</summary>
    PossiblyPersisted = 1,

    /// <summary>The record is stored and durable at its offset.</summary>
    Persisted = 2,
}
