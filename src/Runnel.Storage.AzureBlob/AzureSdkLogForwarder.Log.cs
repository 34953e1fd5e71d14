using Microsoft.Extensions.Logging;

namespace Runnel.Storage.AzureBlob;

/// <content>Log messages.</content>
public sealed partial class AzureSdkLogForwarder
{
    private static partial class Log
    {
        /// <summary>One SDK event, at the level the SDK gave it (Verbose read as Debug).</summary>
        [LoggerMessage(EventId = 1, Message = "{SdkEvent}: {SdkMessage}")]
        public static partial void SdkEvent(ILogger logger, LogLevel level, string sdkEvent, string sdkMessage);
    }
}
