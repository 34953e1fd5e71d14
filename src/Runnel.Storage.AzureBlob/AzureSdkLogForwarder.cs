using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Runnel.Storage.AzureBlob;

/// <summary>
/// Hands the Azure SDK's diagnostics (Azure.Core's event sources: <c>Azure-Core</c> for requests, responses and
/// retries, <c>Azure-Identity</c> for tokens, ...) to an <see cref="ILoggerFactory"/>, one category per source with
/// '-' read as '.' (<c>Azure.Core</c>, <c>Azure.Identity</c>), so <c>Logging:LogLevel:Azure.Core</c> filters them like
/// any other category. Events are only produced down to the most verbose level the factory's loggers for those
/// categories have enabled when the forwarder starts: an SDK event costs a formatted string per request, which the
/// store's hot path should not pay for a filter that drops it.
/// </summary>
/// <remarks>Thread-safe. Dispose to stop forwarding.</remarks>
public sealed partial class AzureSdkLogForwarder : IDisposable
{
    /// <summary>The categories whose levels decide how verbose the event sources are.</summary>
    private static readonly string[] KnownCategories = ["Azure.Core", "Azure.Identity", "Azure.Storage.Blobs", "Azure.Storage.Common"];

    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    private readonly AzureEventSourceListener? _listener;

    /// <summary>Starts forwarding; forwards nothing (and listens to nothing) when no Azure category is enabled at all.</summary>
    public AzureSdkLogForwarder(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        if (MostVerboseEnabled(loggerFactory) is { } level)
        {
            Level = level;
            _listener = new AzureEventSourceListener(Forward, level);
        }
    }

    /// <summary>The level the SDK's event sources are listened to at; null when nothing is forwarded.</summary>
    public EventLevel? Level { get; }

    public void Dispose() => _listener?.Dispose();

    private void Forward(EventWrittenEventArgs e, string message)
    {
        var logger = _loggers.GetOrAdd(e.EventSource.Name, static (name, factory) => factory.CreateLogger(name.Replace('-', '.')), _loggerFactory);
        var level = ToLogLevel(e.Level);
        if (logger.IsEnabled(level))
        {
            Log.SdkEvent(logger, level, e.EventName ?? e.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture), message);
        }
    }

    private static EventLevel? MostVerboseEnabled(ILoggerFactory loggerFactory)
    {
        var loggers = KnownCategories.Select(loggerFactory.CreateLogger).ToArray();
        foreach (var (logLevel, eventLevel) in new[] { (LogLevel.Trace, EventLevel.Verbose), (LogLevel.Debug, EventLevel.Verbose), (LogLevel.Information, EventLevel.Informational), (LogLevel.Warning, EventLevel.Warning), (LogLevel.Error, EventLevel.Error), (LogLevel.Critical, EventLevel.Critical) })
        {
            if (loggers.Any(l => l.IsEnabled(logLevel)))
            {
                return eventLevel;
            }
        }

        return null;
    }

    private static LogLevel ToLogLevel(EventLevel level) => level switch
    {
        EventLevel.Critical => LogLevel.Critical,
        EventLevel.Error => LogLevel.Error,
        EventLevel.Warning => LogLevel.Warning,
        EventLevel.Informational => LogLevel.Information,
        EventLevel.Verbose => LogLevel.Debug,
        _ => LogLevel.Information,
    };
}
