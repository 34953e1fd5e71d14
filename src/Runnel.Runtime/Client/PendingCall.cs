using System.Buffers;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Client;

/// <summary>
/// One attempt of a remote grain call: its request frame (header and a copy of the arguments), queued on a
/// connection, then completed by its response, a failure, the deadline sweep or the caller's token.
/// </summary>
/// <remarks>
/// States move Created → Queued → Sent → Done, or straight to Done; the first transition to Done decides the
/// outcome. The frame buffer belongs to the attempt until it is queued, then to the connection (which releases it
/// after writing or dropping it).
/// </remarks>
internal sealed class PendingCall<TResult> : IOutgoingFrame, IPendingCall
{
    private const int Created = 0;
    private const int Queued = 1;
    private const int Sent = 2;
    private const int Done = 3;

    /// <summary>Where the header's correlation id and deadline sit in the frame (after len, version, kind; and
    /// after correlation id, method id, view version).</summary>
    private const int CorrelationIdOffset = 6;
    private const int DeadlineOffset = CorrelationIdOffset + 8 + 4 + 8;

    private readonly IWireCodec<TResult> _codec;
    private readonly WireWriter _frame = new();
    private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly long _deadlineTicks;
    private readonly TimeSpan _timeout;
    private ClientSession? _session;
    private CancellationTokenRegistration _cancellation;
    private int _state;

    /// <param name="grainId">The grain called.</param>
    /// <param name="methodId">The method.</param>
    /// <param name="arguments">The serialized arguments (copied).</param>
    /// <param name="viewVersion">The caller's membership view version (0 when it has none).</param>
    /// <param name="forwardCount">How many times the call was redirected by <see cref="RunnelErrorCode.WrongOwner"/> so far.</param>
    /// <param name="codec">Reads the result.</param>
    /// <param name="time">The caller's clock.</param>
    /// <param name="deadline">When the caller stops waiting, on <paramref name="time"/>.</param>
    /// <param name="timeout">The whole call's timeout (for the message).</param>
    public PendingCall(GrainId grainId, uint methodId, ReadOnlySpan<byte> arguments, long viewVersion, byte forwardCount, IWireCodec<TResult> codec, TimeProvider time, DateTimeOffset deadline, TimeSpan timeout)
    {
        _codec = codec;
        _time = time;
        _deadlineTicks = deadline.UtcTicks;
        _timeout = timeout;
        _frame.ReserveFixed32();
        _frame.WriteByte(FrameFormat.Version);
        _frame.WriteByte(FrameFormat.KindRequest);
        _frame.WriteFixed64(0);
        _frame.WriteFixed32(methodId);
        _frame.WriteFixed64((ulong)viewVersion);
        _frame.WriteFixed32(0);
        _frame.WriteByte(forwardCount);
        _frame.WriteString(grainId.Type);
        _frame.WriteString(grainId.Key);
        _frame.WriteRaw(arguments);
    }

    public long CorrelationId { get; private set; }

    public bool WasSent => Volatile.Read(ref _state) >= Sent;

    public long RegisteredAtTicks { get; private set; }

    /// <summary>Sends the frame on <paramref name="session"/> and waits for the outcome.</summary>
    public ValueTask<TResult> SendAsync(ClientSession session, int maxFrameBytes, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            _frame.Dispose();
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        var length = _frame.WrittenCount - FrameFormat.LengthBytes;
        if (length > maxFrameBytes)
        {
            _frame.Dispose();
            return ValueTask.FromException<TResult>(new RunnelException(
                RunnelErrorCode.InvalidArgument,
                $"The request ({length} bytes) exceeds the caller's MaxFrameBytes ({maxFrameBytes})."));
        }

        _frame.PatchFixed32(0, (uint)length);
        _session = session;
        CorrelationId = session.NextCorrelationId();
        var remaining = Math.Max(1, (_deadlineTicks - _time.GetUtcNow().UtcTicks) / TimeSpan.TicksPerMillisecond);
        PatchHeader(CorrelationId, (uint)Math.Min(remaining, uint.MaxValue));
        Volatile.Write(ref _state, Queued);
        RegisteredAtTicks = _time.GetUtcNow().UtcTicks;
        session.Register(this);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingCall<TResult>)state!).OnCancelled(token), this);
        }

        var queued = session.Connection.SendAsync(this);
        return queued.IsCompletedSuccessfully ? new ValueTask<TResult>(_result.Task) : AwaitQueuedAsync(queued);
    }

    public bool TryWriteFrame(IBufferWriter<byte> output)
    {
        if (Interlocked.CompareExchange(ref _state, Sent, Queued) != Queued)
        {
            return false;
        }

        // One span of the frame's size: asked for no size, a pipe writer hands out 4 KiB segments, and a produce
        // request of a few hundred KiB outran the array pool's cached 4 KiB arrays, so most of them were fresh
        // allocations (about 1 KB of garbage per 1 KiB record produced).
        var frame = _frame.WrittenSpan;
        frame.CopyTo(output.GetSpan(frame.Length));
        output.Advance(frame.Length);
        return true;
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

    public void FailDropped(Func<bool, RunnelException> error)
    {
        var previous = Interlocked.Exchange(ref _state, Done);
        if (previous == Done)
        {
            return;
        }

        _cancellation.Unregister();
        _result.TrySetException(error(previous == Sent));
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
            $"No response within {_timeout}: the call may or may not have run.",
            isRetriable: true,
            isOutcomeUnknown: true));
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
}
