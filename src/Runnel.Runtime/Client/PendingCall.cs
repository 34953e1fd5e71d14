using Runnel.Invocation;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Client;

/// <summary>
/// One client call: built by a proxy (the request frame is written in place, arguments after the header), queued
/// on the connection, then completed by its response, a failure, the deadline sweep or the caller's token.
/// </summary>
/// <remarks>
/// States move Created → Queued → Sent → Done, or straight to Done; the first transition to Done decides the
/// outcome. The frame buffer belongs to the call until it is queued, then to the connection (which releases it
/// after writing or dropping it).
/// </remarks>
internal sealed class PendingCall<TResult> : OutgoingCall<TResult>, IOutgoingFrame, IPendingCall
{
    private const int Created = 0;
    private const int Queued = 1;
    private const int Sent = 2;
    private const int Done = 3;

    /// <summary>Where the header's correlation id and deadline sit in the frame (after len, version, kind; and
    /// after correlation id, method id, view version).</summary>
    private const int CorrelationIdOffset = 6;
    private const int DeadlineOffset = CorrelationIdOffset + 8 + 4 + 8;

    private readonly RunnelClient _client;
    private readonly IWireCodec<TResult> _codec;
    private readonly WireWriter _frame = new();
    private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientSession? _session;
    private CancellationTokenRegistration _cancellation;
    private long _deadlineTicks;
    private int _state;

    public PendingCall(RunnelClient client, GrainId grainId, uint methodId, IWireCodec<TResult> codec)
    {
        _client = client;
        _codec = codec;
        _frame.ReserveFixed32();
        _frame.WriteByte(FrameFormat.Version);
        _frame.WriteByte(FrameFormat.KindRequest);
        _frame.WriteFixed64(0);
        _frame.WriteFixed32(methodId);
        _frame.WriteFixed64(0);
        _frame.WriteFixed32(0);
        _frame.WriteByte(0);
        _frame.WriteString(grainId.Type);
        _frame.WriteString(grainId.Key);
    }

    public override WireWriter Arguments => _frame;

    public long CorrelationId { get; private set; }

    public bool WasSent => Volatile.Read(ref _state) >= Sent;

    public override ValueTask<TResult> InvokeAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            _frame.Dispose();
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        var length = _frame.WrittenCount - FrameFormat.LengthBytes;
        if (length > _client.Options.MaxFrameBytes)
        {
            _frame.Dispose();
            return ValueTask.FromException<TResult>(new RunnelException(
                RunnelErrorCode.InvalidArgument,
                $"The request ({length} bytes) exceeds RunnelClientOptions.MaxFrameBytes ({_client.Options.MaxFrameBytes})."));
        }

        _frame.PatchFixed32(0, (uint)length);
        _deadlineTicks = _client.Time.GetUtcNow().UtcTicks + _client.Options.ResponseTimeout.Ticks;
        if (_client.CurrentSession is { } session)
        {
            var queued = Send(session, cancellationToken);
            return queued.IsCompletedSuccessfully ? new ValueTask<TResult>(_result.Task) : AwaitQueuedAsync(queued);
        }

        return WaitForConnectionAsync(cancellationToken);
    }

    public override void Abandon() => _frame.Dispose();

    public bool TryGetFrame(out ReadOnlyMemory<byte> frame)
    {
        frame = _frame.WrittenMemory;
        return Interlocked.CompareExchange(ref _state, Sent, Queued) == Queued;
    }

    public void Release() => _frame.Dispose();

    public void OnResponse(ReceivedFrame frame)
    {
        if (!Finish())
        {
            return;
        }

        try
        {
            var reader = new WireReader(frame.Memory);
            reader.ReadRawSpan(2 + 8);
            var status = reader.ReadByte();
            if (status == FrameFormat.StatusOk)
            {
                var value = _codec.Read(ref reader);
                reader.EnsureEnd();
                _result.TrySetResult(value);
            }
            else
            {
                _result.TrySetException(ErrorPayload.Read(ref reader));
            }
        }
        catch (RunnelException ex)
        {
            _result.TrySetException(ex);
        }
    }

    public void Fail(RunnelException error)
    {
        if (Finish())
        {
            _result.TrySetException(error);
        }
    }

    public void CheckDeadline(long nowTicks)
    {
        if (nowTicks < _deadlineTicks)
        {
            return;
        }

        var previous = Volatile.Read(ref _state);
        if (!Finish())
        {
            return;
        }

        _session?.Remove(CorrelationId);
        if (previous == Sent)
        {
            // The caller stopped waiting: let the grain stop working on it too.
            _session?.SendCancel(CorrelationId);
        }

        _result.TrySetException(new RunnelException(
            RunnelErrorCode.OutcomeUnknown,
            $"No response within {_client.Options.ResponseTimeout}: the call may or may not have run.",
            isRetriable: true,
            isOutcomeUnknown: true));
    }

    private ValueTask Send(ClientSession session, CancellationToken cancellationToken)
    {
        _session = session;
        CorrelationId = session.NextCorrelationId();
        var remaining = Math.Max(1, (_deadlineTicks - _client.Time.GetUtcNow().UtcTicks) / TimeSpan.TicksPerMillisecond);
        PatchHeader(CorrelationId, (uint)Math.Min(remaining, uint.MaxValue));
        Volatile.Write(ref _state, Queued);
        session.Register(this);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingCall<TResult>)state!).OnCancelled(token), this);
        }

        return session.Connection.SendAsync(this);
    }

    private void PatchHeader(long correlationId, uint deadlineMs)
    {
        _frame.PatchFixed32(CorrelationIdOffset, (uint)correlationId);
        _frame.PatchFixed32(CorrelationIdOffset + 4, (uint)(correlationId >> 32));
        _frame.PatchFixed32(DeadlineOffset, deadlineMs);
    }

    private void OnCancelled(CancellationToken token)
    {
        var previous = Volatile.Read(ref _state);
        if (!Finish())
        {
            return;
        }

        _session?.Remove(CorrelationId);
        if (previous == Sent)
        {
            _session?.SendCancel(CorrelationId);
        }

        _result.TrySetCanceled(token);
    }

    /// <summary>Moves to Done; true for the one caller that did it.</summary>
    private bool Finish()
    {
        if (Interlocked.Exchange(ref _state, Done) == Done)
        {
            return false;
        }

        _cancellation.Unregister();
        return true;
    }

    private async ValueTask<TResult> AwaitQueuedAsync(ValueTask queued)
    {
        await queued.ConfigureAwait(false);
        return await _result.Task.ConfigureAwait(false);
    }

    private async ValueTask<TResult> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        ClientSession session;
        try
        {
            var remaining = TimeSpan.FromTicks(Math.Max(0, _deadlineTicks - _client.Time.GetUtcNow().UtcTicks));
            session = await _client.WaitForSessionAsync(remaining, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _frame.Dispose();
            throw;
        }

        await Send(session, cancellationToken).ConfigureAwait(false);
        return await _result.Task.ConfigureAwait(false);
    }
}
