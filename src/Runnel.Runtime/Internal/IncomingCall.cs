using System.Buffers;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Internal;

/// <summary>
/// A grain call received by this silo, from the wire or from a local grain. It queues in the target activation's
/// mailbox, runs as a turn, and (for wire calls) becomes its own response frame.
/// </summary>
/// <remarks>
/// Ownership: the call owns its argument buffer until <see cref="ReleaseArguments"/> (after the grain method's
/// task completes), its cancellation source until <see cref="ReleaseArguments"/>, and its response writer until
/// the connection calls <see cref="IOutgoingFrame.Release"/>.
/// </remarks>
internal sealed class IncomingCall : MailboxItem, IOutgoingFrame
{
    private readonly CancellationTokenSource _cancellation = new();
    private ReceivedFrame? _frame;
    private WireWriter? _response;

    public IncomingCall(GrainId grainId, uint methodId, long correlationId, ReadOnlyMemory<byte> arguments, ReceivedFrame? frame, DateTimeOffset deadline, ICallResponder responder)
    {
        GrainId = grainId;
        MethodId = methodId;
        CorrelationId = correlationId;
        Arguments = arguments;
        _frame = frame;
        Deadline = deadline;
        Responder = responder;
    }

    public GrainId GrainId { get; }

    public uint MethodId { get; }

    public long CorrelationId { get; }

    /// <summary>The serialized arguments: a slice of the received frame, valid until <see cref="ReleaseArguments"/>.</summary>
    public ReadOnlyMemory<byte> Arguments { get; private set; }

    /// <summary>When the caller stops waiting (<see cref="DateTimeOffset.MaxValue"/> for never), on the silo's clock.</summary>
    public DateTimeOffset Deadline { get; }

    public ICallResponder Responder { get; }

    /// <summary>The caller's membership view version (0 for local calls and callers without a view).</summary>
    public long ViewVersion { get; init; }

    /// <summary>Set by the catalog from the grain interface's metadata.</summary>
    public bool IsReadOnly { get; set; }

    /// <summary>Set by the catalog from the grain interface's metadata (<see cref="AlwaysInterleaveAttribute"/>).</summary>
    public bool IsAlwaysInterleave { get; set; }

    /// <summary>Passed to the grain method; fires when the caller cancels (a cancel frame) or its connection drops.</summary>
    public CancellationToken CancellationToken => _cancellation.Token;

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already finished.
        }
    }

    /// <summary>Returns the argument buffer and the cancellation source: the grain method has finished with them.</summary>
    public void ReleaseArguments()
    {
        Arguments = default;
        _frame?.Return();
        _frame = null;
        _cancellation.Dispose();
    }

    /// <summary>Stores the complete response frame for the connection to write.</summary>
    public void SetResponse(WireWriter response) => _response = response;

    public bool TryWriteFrame(IBufferWriter<byte> output)
    {
        if (_response is not { } response)
        {
            return false;
        }

        response.WriteTo(output);
        return true;
    }

    public void Release()
    {
        _response?.Dispose();
        _response = null;
    }
}
