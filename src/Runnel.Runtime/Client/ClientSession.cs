using System.Collections.Concurrent;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Client;

/// <summary>
/// The client's side of one connection: the calls in flight on it, by correlation id. When the connection drops,
/// every call still pending fails at once: <see cref="RunnelErrorCode.OutcomeUnknown"/> if it had been sent,
/// <see cref="RunnelErrorCode.ConnectionLost"/> if not. Thread-safe.
/// </summary>
internal sealed class ClientSession(OutboundChannel channel) : IFrameHandler
{
    private readonly ConcurrentDictionary<long, IPendingCall> _pending = new();
    private long _nextCorrelationId;
    private volatile bool _saidGoodbye;

    public FrameConnection Connection { get; set; } = null!;

    public long NextCorrelationId() => Interlocked.Increment(ref _nextCorrelationId);

    /// <summary>Tracks a call about to be sent. Fails it at once if the connection already closed.</summary>
    public void Register(IPendingCall call)
    {
        _pending[call.CorrelationId] = call;
        if ((Connection.IsClosed || _saidGoodbye) && _pending.TryRemove(call.CorrelationId, out _))
        {
            call.Fail(new RunnelException(RunnelErrorCode.ConnectionLost, $"The connection {Connection.Name} closed before the call was sent.", isRetriable: true));
        }
    }

    public void Remove(long correlationId) => _pending.TryRemove(correlationId, out _);

    public void SendCancel(long correlationId)
    {
        var sent = Connection.SendAsync(new CancelFrame(correlationId));
        if (!sent.IsCompletedSuccessfully)
        {
            _ = sent.AsTask();
        }
    }

    /// <summary>True when a call registered before <paramref name="cutoffTicks"/> is still waiting for its answer.</summary>
    public bool HasCallWaitingSince(long cutoffTicks) => _pending.Values.Any(c => c.RegisteredAtTicks < cutoffTicks);

    public void Sweep(long nowTicks)
    {
        foreach (var call in _pending.Values)
        {
            call.CheckDeadline(nowTicks);
        }
    }

    public ValueTask OnFrameAsync(FrameConnection connection, ReceivedFrame frame)
    {
        if (frame.Kind == FrameFormat.KindGoodbye)
        {
            frame.Return();
            OnGoodbye();
            return default;
        }

        if (frame.Kind != FrameFormat.KindResponse)
        {
            throw new FrameException($"unexpected frame kind {frame.Kind} from a silo");
        }

        var reader = new WireReader(frame.Memory);
        reader.ReadRawSpan(2);
        var correlationId = (long)reader.ReadFixed64();

        // A response for a call that already timed out or was cancelled is dropped.
        if (_pending.TryRemove(correlationId, out var call))
        {
            call.OnResponse(frame);
        }

        return default;
    }

    public void OnClosed(FrameConnection connection)
    {
        FailPending();
        channel.OnSessionClosed(this);
    }

    /// <summary>The silo said goodbye: it answered every request it read (those responses came first), so every call
    /// still pending here was never read and never ran; it fails as not sent (ConnectionLost, so callers route it
    /// again), as does every call made on this connection from now on, and the connection closes.</summary>
    private void OnGoodbye()
    {
        _saidGoodbye = true;
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var call))
            {
                call.FailDropped(_ => NotRead());
            }
        }

        Connection.Close("the silo said goodbye (it is stopping)");
    }

    private RunnelException NotRead() =>
        new(RunnelErrorCode.ConnectionLost, $"The silo on {Connection.Name} is stopping and did not read the call (goodbye): it did not run.", isRetriable: true);

    /// <summary>Fails every call still pending (the connection is closed or closing): OutcomeUnknown if it was sent,
    /// ConnectionLost if not (or if the silo said goodbye first). Each call fails once, whoever gets to it first.</summary>
    public void FailPending()
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var call))
            {
                // Decided atomically with the write loop (which may still run): never "not sent" for a frame it then sends.
                call.FailDropped(wasSent => _saidGoodbye ? NotRead() : wasSent
                    ? new RunnelException(RunnelErrorCode.OutcomeUnknown, $"The connection {Connection.Name} dropped after the call was sent: it may or may not have run.", isRetriable: true, isOutcomeUnknown: true)
                    : new RunnelException(RunnelErrorCode.ConnectionLost, $"The connection {Connection.Name} dropped before the call was sent.", isRetriable: true));
            }
        }
    }
}
