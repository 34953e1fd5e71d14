using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>Keeps every log entry of a test's host so tests can assert that a reason was logged.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    private readonly List<(Func<(LogLevel Level, string Message), bool> Match, TaskCompletionSource Seen)> _waiters = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

    /// <summary>Completes when an entry matching <paramref name="match"/> has been logged (at once if one has);
    /// fails after <see cref="TestSignals.HangGuard"/>.</summary>
    public Task WaitForAsync(Func<(LogLevel Level, string Message), bool> match)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_entries.Any(match))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(TestSignals.HangGuard);
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = (logLevel, formatter(state, exception));
            lock (owner._waiters)
            {
                owner._entries.Enqueue(entry);
                foreach (var waiter in owner._waiters.Where(w => w.Match(entry)).ToList())
                {
                    waiter.Seen.TrySetResult();
                    owner._waiters.Remove(waiter);
                }
            }
        }
    }
}
