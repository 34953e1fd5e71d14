using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Internal;

internal sealed partial class Catalog
{
    [LoggerMessage(200, LogLevel.Warning, "Shutdown timed out with {Count} activations left")]
    private static partial void LogShutdownTimedOut(ILogger logger, int count);

    [LoggerMessage(201, LogLevel.Debug, "{GrainId} has another owner in view {Version}: deactivating")]
    private static partial void LogOwnerChanged(ILogger logger, GrainId grainId, long version);
}
