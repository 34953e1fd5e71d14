using Runnel.Runtime.Internal;
using Runnel.Serialization;

namespace Runnel.Runtime.Routing;

/// <summary>
/// A routed call dispatched to the calling silo's own catalog: no network hop, the same semantics as a remote call
/// (arguments and results are serialized copies, the call goes through the mailbox, errors arrive as the same
/// exceptions). <see cref="Done"/> completes when the call's turn is over (its arguments are no longer read).
/// </summary>
internal sealed class LocalAttempt<TResult>(IWireCodec<TResult> codec) : ICallResponder
{
    private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    public async ValueTask<TResult> RunAsync(IRoutingContext context, GrainId grainId, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var call = new IncomingCall(grainId, methodId, 0, arguments, null, DateTimeOffset.MaxValue, this);
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(() =>
            {
                call.Cancel();
                _result.TrySetCanceled(cancellationToken);
            })
            : default;
        await context.DispatchLocalAsync(call).ConfigureAwait(false);
        return await _result.Task.ConfigureAwait(false);
    }

    public WireWriter BeginResult(IncomingCall call) => new();

    public ValueTask Complete(IncomingCall call, WireWriter result)
    {
        try
        {
            // Copy: the result may hold byte slices, and the writer's buffer goes back to the pool.
            var reader = new WireReader(result.WrittenSpan.ToArray());
            var value = codec.Read(ref reader);
            reader.EnsureEnd();
            _result.TrySetResult(value);
        }
        catch (Exception ex)
        {
            _result.TrySetException(ex);
        }
        finally
        {
            result.Dispose();
            _done.TrySetResult();
        }

        return default;
    }

    public ValueTask Fail(IncomingCall call, Exception error)
    {
        _result.TrySetException(ErrorPayload.ForLocalCaller(error));
        _done.TrySetResult();
        return default;
    }
}
