namespace Runnel;

/// <summary>Which records a reader sees of transactional producers' writes (Kafka's <c>isolation.level</c>).</summary>
[GenerateSerializer, Alias("runnel.IsolationLevel")]
public enum IsolationLevel
{
    /// <summary>Every record up to the high watermark, including those of open and aborted transactions.</summary>
    ReadUncommitted = 0,

    /// <summary>Only records below the last stable offset (no open transaction's records), without aborted transactions'
    /// records. Non-transactional records are read as soon as no open transaction precedes them.</summary>
    ReadCommitted = 1,
}
