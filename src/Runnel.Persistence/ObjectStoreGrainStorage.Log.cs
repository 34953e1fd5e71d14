using Microsoft.Extensions.Logging;

namespace Runnel.Persistence;

public sealed partial class ObjectStoreGrainStorage
{
    [LoggerMessage(3001, LogLevel.Trace, "Grain state {Blob}: read, ETag {ETag}, record exists {RecordExists}")]
    private static partial void LogRead(ILogger logger, string blob, string? etag, bool recordExists);

    [LoggerMessage(3002, LogLevel.Trace, "Grain state {Blob}: written, {Bytes} bytes, ETag {ETag}")]
    private static partial void LogWritten(ILogger logger, string blob, string etag, int bytes);

    [LoggerMessage(3003, LogLevel.Trace, "Grain state {Blob}: cleared, ETag {ETag}")]
    private static partial void LogCleared(ILogger logger, string blob, string? etag);

    [LoggerMessage(3004, LogLevel.Warning, "Grain state {Blob}: {Operation} refused, the stored ETag is {StoredETag} and this activation's {CurrentETag}; Orleans deactivates the stale activation")]
    private static partial void LogConflict(ILogger logger, string operation, string blob, string storedETag, string currentETag);
}
