using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

public sealed partial class ProducerIdGrain
{
    [LoggerMessage(1101, LogLevel.Information, "Reserved producer ids {First}-{Last}")]
    private static partial void LogReserved(ILogger logger, long first, long last);
}
