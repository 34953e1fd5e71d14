using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Runnel.Testing;

/// <summary>
/// Keeps the last <c>capacity</c> log entries of everything it is given (silos, clients), with the time since it was
/// created, so that a test that times out can say what the cluster was doing (<see cref="Dump"/>).
/// </summary>
public sealed class RingLoggerProvider(int capacity = 2000, string prefix = "") : ILoggerProvider
{
    private readonly Queue<string> _entries = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    /// <summary>The same ring, its entries marked with <paramref name="source"/> (e.g. <c>silo 1</c>).</summary>
    public ILoggerProvider For(string source) => new Tagged(this, source);

    /// <summary>The last <paramref name="count"/> entries, oldest first, one per line.</summary>
    public string Dump(int count = 300)
    {
        lock (_gate)
        {
            return string.Join('\n', _entries.Skip(Math.Max(0, _entries.Count - count)));
        }
    }

    public ILogger CreateLogger(string categoryName) => new RingLogger(this, prefix, categoryName);

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        lock (_gate)
        {
            if (_entries.Count == capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(entry);
        }
    }

    private sealed class Tagged(RingLoggerProvider ring, string source) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new RingLogger(ring, source, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class RingLogger(RingLoggerProvider ring, string source, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var at = ring._clock.Elapsed.TotalSeconds;
            ring.Add(FormattableString.Invariant($"{at,8:0.000} {source} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}"));
        }
    }
}
