using Runnel.Invocation;
using Runnel.Serialization;

namespace Runnel.Runtime.Internal;

/// <summary>
/// Grain references for code running inside a silo (grains calling grains). Calls are dispatched to this silo's
/// catalog without a network hop but with the same semantics as remote calls: arguments and results are
/// serialized (copies, never shared objects), calls go through the mailbox, errors arrive as the same exceptions.
/// Local calls have no deadline. Thread-safe.
/// </summary>
internal sealed class SiloGrainFactory(Catalog catalog) : IGrainFactory, IGrainCallInvoker
{
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        var descriptor = GrainInterfaceRegistry.Get<TGrainInterface>();
        return (TGrainInterface)(object)descriptor.CreateReference(new GrainId(descriptor.GrainType, key), this);
    }

    public OutgoingCall<TResult> StartCall<TResult>(GrainId grainId, uint methodId, IWireCodec<TResult> resultCodec) =>
        new LocalCall<TResult>(catalog, grainId, methodId, resultCodec);

    private sealed class LocalCall<TResult>(Catalog catalog, GrainId grainId, uint methodId, IWireCodec<TResult> resultCodec)
        : OutgoingCall<TResult>, ICallResponder
    {
        private readonly WireWriter _arguments = new();
        private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override WireWriter Arguments => _arguments;

        public override ValueTask<TResult> InvokeAsync(CancellationToken cancellationToken)
        {
            var call = new IncomingCall(grainId, methodId, 0, _arguments.WrittenMemory, null, DateTimeOffset.MaxValue, this);
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() =>
                {
                    call.Cancel();
                    _result.TrySetCanceled(cancellationToken);
                });
                _result.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            var dispatched = catalog.DispatchAsync(call);
            return dispatched.IsCompletedSuccessfully ? new ValueTask<TResult>(_result.Task) : AwaitAsync(dispatched);
        }

        public override void Abandon() => _arguments.Dispose();

        public WireWriter BeginResult(IncomingCall call) => new();

        public ValueTask Complete(IncomingCall call, WireWriter result)
        {
            _arguments.Dispose();
            try
            {
                // Copy: the result may hold byte slices, and the writer's buffer goes back to the pool.
                var reader = new WireReader(result.WrittenSpan.ToArray());
                var value = resultCodec.Read(ref reader);
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
            }

            return default;
        }

        public ValueTask Fail(IncomingCall call, Exception error)
        {
            _arguments.Dispose();
            _result.TrySetException(ErrorPayload.ForLocalCaller(error));
            return default;
        }

        private async ValueTask<TResult> AwaitAsync(ValueTask dispatched)
        {
            await dispatched.ConfigureAwait(false);
            return await _result.Task.ConfigureAwait(false);
        }
    }
}
