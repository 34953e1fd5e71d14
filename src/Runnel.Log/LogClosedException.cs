namespace Runnel.Log;

/// <summary>The log is closed (released, or faulted after storage failures it could not resolve). Retriable: a new
/// owner's takeover recovers the log's true state from storage.</summary>
[GenerateSerializer, Alias("runnel.LogClosedException")]
public sealed class LogClosedException(string partition, string detail, Exception? innerException = null)
    : RunnelException(RunnelErrorCode.LogClosed, $"Partition log '{partition}' is closed: {detail}", innerException, isRetriable: true);
