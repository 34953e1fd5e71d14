using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Membership;
using Runnel.Serialization;

namespace Runnel.Runtime.Transport;

/// <summary>
/// The silo's side of one accepted connection: turns request frames into <see cref="IncomingCall"/>s for the
/// catalog, cancel frames into cancellations, and call outcomes into response frames. When the connection drops,
/// the tokens of its in-flight calls fire (their responses have nowhere to go). A request made under a newer view
/// than this silo's first makes the silo read the newer view (one store read, bounded, shared by concurrent
/// requests), so that caller and silo decide ownership on the same view.
/// </summary>
internal sealed class SiloConnection(FrameConnection connection, Catalog catalog, SiloState state, int maxFrameBytes) : IFrameHandler, ICallResponder
{
    /// <summary>How long a request waits for this silo to catch up with its caller's newer view before it is judged
    /// on the view the silo has.</summary>
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, IncomingCall> _inFlight = new();

    // Responses on their way into the connection's outbox (counted before their call leaves _inFlight), and the signal
    // a goodbye waits on: set once nothing read is unanswered (see SayGoodbyeAsync).
    private int _queuing;
    private TaskCompletionSource? _answered;
    private int _goodbye;
    private readonly TaskCompletionSource _readingStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a goodbye has stopped this connection's reading (for tests).</summary>
    internal Task ReadingStopped => _readingStopped.Task;

    /// <summary>
    /// Ends the connection gracefully (the silo is stopping): stops reading, waits until every call read so far has
    /// finished and queued its response, sends a goodbye frame after them (so the caller knows that whatever is still
    /// unanswered was never read, and may send it elsewhere), then closes once <paramref name="waitForCallerToClose"/>
    /// has waited (bounded) for the caller to close its side. If calls still run when
    /// <paramref name="cancellationToken"/> fires, it closes without a goodbye: their outcome is unknown to the caller, as
    /// it is. Idempotent.
    /// </summary>
    public async Task SayGoodbyeAsync(Func<Task> waitForCallerToClose, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _goodbye, 1) != 0)
        {
            return;
        }

        try
        {
            await connection.StopReadingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            _readingStopped.TrySetResult();
            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _answered, answered);
            CheckAnswered();
            await answered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            var goodbye = new GoodbyeFrame();
            await connection.SendAsync(goodbye).ConfigureAwait(false);
            if (await goodbye.Sent.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                await waitForCallerToClose().ConfigureAwait(false);
                connection.Close("the silo is stopping (goodbye sent)");
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: close without the goodbye.
        }

        connection.Close(_inFlight.IsEmpty ? "the silo is stopping" : $"the silo is stopping with {_inFlight.Count} calls still running");
    }

    private void CheckAnswered()
    {
        if (Volatile.Read(ref _answered) is { } answered && _inFlight.IsEmpty && Volatile.Read(ref _queuing) == 0)
        {
            answered.TrySetResult();
        }
    }

    public async ValueTask OnFrameAsync(FrameConnection from, ReceivedFrame frame)
    {
        switch (frame.Kind)
        {
            case FrameFormat.KindRequest:
                IncomingCall call;
                try
                {
                    call = ParseRequest(frame);
                }
                catch
                {
                    frame.Return();
                    throw;
                }

                if (!_inFlight.TryAdd(call.CorrelationId, call))
                {
                    call.ReleaseArguments();
                    throw new FrameException($"correlation id {call.CorrelationId} is already in flight");
                }

                if (call.ViewVersion > (state.Snapshot?.Version ?? long.MaxValue))
                {
                    using var timeout = new CancellationTokenSource(CatchUpTimeout);
                    try
                    {
                        await state.Refresh(call.ViewVersion, timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Judge it on the view this silo has.
                    }
                }

                await catalog.DispatchAsync(call).ConfigureAwait(false);
                break;

            case FrameFormat.KindCancel:
                long correlationId;
                try
                {
                    correlationId = ReadCorrelationId(frame);
                }
                finally
                {
                    frame.Return();
                }

                if (_inFlight.TryGetValue(correlationId, out var cancelled))
                {
                    cancelled.Cancel();
                }

                break;

            default:
                var kind = frame.Kind;
                frame.Return();
                throw new FrameException($"unexpected frame kind {kind} from a caller");
        }
    }

    public void OnClosed(FrameConnection from)
    {
        foreach (var call in _inFlight.Values)
        {
            call.Cancel();
        }

        _inFlight.Clear();
    }

    public WireWriter BeginResult(IncomingCall call)
    {
        var writer = new WireWriter();

        // Large byte strings in results (a fetch's stored batches) go from their own memory to the socket: the writer
        // keeps them until the frame is written. The request frame itself is returned to the pool before that, so
        // slices of it (an echoed argument) are copied.
        writer.EnableAttachments(MemoryMarshal.TryGetArray(call.Arguments, out var request) ? request.Array : null);
        WriteResponseHeader(writer, call.CorrelationId, FrameFormat.StatusOk);
        return writer;
    }

    public ValueTask Complete(IncomingCall call, WireWriter result)
    {
        if (result.WrittenCount - FrameFormat.LengthBytes > maxFrameBytes)
        {
            var size = result.WrittenCount;
            result.Dispose();
            return Fail(call, new RunnelException(RunnelErrorCode.MalformedMessage, $"The result ({size} bytes) exceeds the silo's MaxFrameBytes ({maxFrameBytes})."));
        }

        return Send(call, result);
    }

    public ValueTask Fail(IncomingCall call, Exception error)
    {
        var writer = new WireWriter();
        WriteResponseHeader(writer, call.CorrelationId, FrameFormat.StatusError);
        ErrorPayload.Write(writer, error);
        return Send(call, writer);
    }

    private static void WriteResponseHeader(WireWriter writer, long correlationId, byte status)
    {
        writer.ReserveFixed32();
        writer.WriteByte(FrameFormat.Version);
        writer.WriteByte(FrameFormat.KindResponse);
        writer.WriteFixed64((ulong)correlationId);
        writer.WriteByte(status);
    }

    private static long ReadCorrelationId(ReceivedFrame frame)
    {
        var reader = new WireReader(frame.Memory);
        reader.ReadRawSpan(2);
        var id = (long)reader.ReadFixed64();
        reader.EnsureEnd();
        return id;
    }

    private ValueTask Send(IncomingCall call, WireWriter frame)
    {
        frame.PatchFixed32(0, (uint)(frame.WrittenCount - FrameFormat.LengthBytes));
        Interlocked.Increment(ref _queuing); // before the call leaves _inFlight: a goodbye never sees neither
        _inFlight.TryRemove(new KeyValuePair<long, IncomingCall>(call.CorrelationId, call));
        call.SetResponse(frame);
        var queued = connection.SendAsync(call);
        if (queued.IsCompletedSuccessfully)
        {
            OnResponseQueued();
            return default;
        }

        return AwaitQueuedAsync(queued);
    }

    private async ValueTask AwaitQueuedAsync(ValueTask queued)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        finally
        {
            OnResponseQueued();
        }
    }

    private void OnResponseQueued()
    {
        if (Interlocked.Decrement(ref _queuing) == 0)
        {
            CheckAnswered();
        }
    }

    private IncomingCall ParseRequest(ReceivedFrame frame)
    {
        var reader = new WireReader(frame.Memory);
        reader.ReadRawSpan(2);
        var correlationId = (long)reader.ReadFixed64();
        var methodId = reader.ReadFixed32();
        var viewVersion = (long)reader.ReadFixed64();
        var deadlineMs = reader.ReadFixed32();
        _ = reader.ReadByte(); // forward count: callers bound their own redirects (RoutedCall.MaxForwardCount)
        var grainType = reader.ReadString();
        var key = reader.ReadString();
        if (string.IsNullOrEmpty(grainType) || key is null)
        {
            throw new FrameException("request without a grain type or key");
        }

        var deadline = deadlineMs == 0 ? DateTimeOffset.MaxValue : catalog.Time.GetUtcNow().AddMilliseconds(deadlineMs);
        var arguments = frame.Memory[reader.Position..];
        return new IncomingCall(new GrainId(grainType, key), methodId, correlationId, arguments, frame, deadline, this) { ViewVersion = viewVersion };
    }
}
