namespace Runnel.Client;

/// <summary>Where a consumer starts when it has no position, or its position is outside the log (Kafka
/// <c>auto.offset.reset</c>).</summary>
public enum AutoOffsetReset
{
    /// <summary>At the high watermark: only new records.</summary>
    Latest = 0,

    /// <summary>At the log start offset: every record still kept.</summary>
    Earliest = 1,

    /// <summary>Fail: <see cref="Consumer{TKey, TValue}.ConsumeAsync"/> throws <see cref="RunnelErrorCode.OffsetOutOfRange"/>.</summary>
    Error = 2,
}
