using System.Diagnostics.CodeAnalysis;

namespace Runnel.Streaming.Internal;

/// <summary>
/// One stream's events read from its partition below the cache, for one cache cursor (replay from a token older than
/// the cache). The reader runs on its own; the cursor takes what it has read on the agent's turn.
/// </summary>
internal interface IBackfillReader : IDisposable
{
    /// <summary>The stream whose events it reads.</summary>
    StreamId StreamId { get; }

    /// <summary>Every record below this offset has been read and the stream's events among them queued. Read it
    /// before <see cref="TryRead"/>: an empty queue after that means nothing below it is left.</summary>
    long ReadUpTo { get; }

    /// <summary>Why reading stopped for good: a <see cref="Orleans.Streams.QueueCacheMissException"/> when the
    /// offset is below the log start. Null while reading.</summary>
    Exception? Failure { get; }

    /// <summary>True once disposed: its cursor is gone.</summary>
    bool IsDisposed { get; }

    /// <summary>The next queued event, in offset order.</summary>
    bool TryRead([NotNullWhen(true)] out RunnelBatchContainer? item);

    /// <summary>The receiver turned the last wake-up request into a marker: the next read asks again.</summary>
    void WakeTaken();
}
