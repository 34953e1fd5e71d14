using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Runnel.Chaos.Logging;

/// <summary>
/// Writes the harness's client-side logs (the producers' and consumer's connections: view changes, dropped
/// connections, retries) to one file in the run directory, stamped with run time, for reading a run after the fact.
/// Thread-safe.
/// </summary>
internal sealed class FileLoggerProvider(string path, Func<double> now, LogLevel minimum) : ILoggerProvider, ILoggerFactory
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private readonly Lock _gate = new();
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("The chaos file logger has no other providers.");

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        lock (_gate)
        {
            try
            {
                _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{now(),8:0.000} {level,-11} {category}: {message}{(exception is null ? "" : " " + exception.Message)}"));
            }
            catch (ObjectDisposedException)
            {
                // A late message after the run ended.
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }

}
