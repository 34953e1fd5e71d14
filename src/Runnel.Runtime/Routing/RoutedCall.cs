using Runnel.Invocation;
using Runnel.Runtime.Client;
using Runnel.Runtime.Placement;
using Runnel.Serialization;

namespace Runnel.Runtime.Routing;

/// <summary>
/// One grain call, routed by placement: to the owner under the caller's view (dispatched locally when the caller is
/// the owning silo, else sent over the owner's connection), following <see cref="WrongOwnerException"/>s and
/// connection failures until the call runs or its time is up.
/// </summary>
/// <remarks>
/// <para>Rules. A <see cref="RunnelErrorCode.WrongOwner"/> answer refreshes the view to at least the refusing silo's
/// version and retries at the new owner, at most <see cref="MaxForwardCount"/> times; then the call fails with a
/// retriable <see cref="RunnelErrorCode.WrongOwner"/>. A call that could not be sent
/// (<see cref="RunnelErrorCode.ConnectionLost"/>: the owner is down or unreachable) refreshes the view and is retried
/// after a short backoff until its timeout, so it lands on a survivor once the cluster declares the owner dead. A call
/// that was sent is never resent: its failure (<see cref="RunnelErrorCode.OutcomeUnknown"/> included) goes to the
/// caller. A system call addressed to one silo (a probe) is never retried.</para>
/// <para>The arguments are written once into <see cref="Arguments"/>; each remote attempt copies them into its frame.
/// A local attempt reads them in place, so the buffer is returned only when that attempt's turn is over.</para>
/// </remarks>
internal sealed class RoutedCall<TResult>(IRoutingContext context, GrainId grainId, uint methodId, IWireCodec<TResult> codec, TimeSpan? timeout)
    : OutgoingCall<TResult>
{
    /// <summary>Redirects after which a call gives up: two are enough when views converge (one stale hop each way),
    /// and a bound stops a loop between silos that disagree (Orleans uses the same limit).</summary>
    public const int MaxForwardCount = 2;

    private static readonly TimeSpan RetryMinDelay = TimeSpan.FromMilliseconds(20);
    /// <summary>The longest pause between attempts to send a call whose owner is unreachable: once the cluster declares
    /// the owner dead the call moves within this (plus one view read).</summary>
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromMilliseconds(250);

    private readonly WireWriter _arguments = new();

    public override WireWriter Arguments => _arguments;

    public override void Abandon() => _arguments.Dispose();

    public override async ValueTask<TResult> InvokeAsync(CancellationToken cancellationToken)
    {
        Task? localTurn = null;
        var time = context.Time;
        var callTimeout = timeout ?? context.ResponseTimeout;
        var deadline = time.GetUtcNow() + callTimeout;
        using var waits = new DeadlineToken(time, callTimeout, cancellationToken);
        try
        {
            var isSystem = SystemTargets.IsSystem(grainId.Type);
            var forwards = 0;
            var delay = RetryMinDelay;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var view = context.View;
                try
                {
                    var target = isSystem ? SystemTarget() : view?.Owner(grainId);
                    if ((target is { } silo && silo == context.LocalSilo) || (isSystem && grainId.Key.Length == 0 && context.LocalSilo is not null))
                    {
                        var attempt = new LocalAttempt<TResult>(codec);
                        localTurn = attempt.Done;
                        return await attempt.RunAsync(context, grainId, methodId, _arguments.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    }

                    var channel = target is { } remote ? context.GetChannel(remote)
                        : isSystem && grainId.Key.Length == 0 ? context.AnyChannel()
                        : null;
                    if (channel is null)
                    {
                        throw new RunnelException(
                            RunnelErrorCode.ConnectionLost,
                            view is null ? "No cluster view yet: no silo could be reached." : $"No silo is Active in view {view.Version}.",
                            isRetriable: true);
                    }

                    var connecting = channel.GetSessionAsync(waits.Token);
                    var session = connecting.IsCompletedSuccessfully ? connecting.Result : await connecting.ConfigureAwait(false);
                    var pending = new PendingCall<TResult>(
                        grainId,
                        methodId,
                        _arguments.WrittenSpan,
                        view?.Version ?? 0,
                        (byte)forwards,
                        codec,
                        time,
                        deadline,
                        callTimeout);
                    return await pending.SendAsync(session, context.MaxFrameBytes, cancellationToken).ConfigureAwait(false);
                }
                catch (WrongOwnerException wrongOwner) when (!isSystem)
                {
                    if (++forwards > MaxForwardCount)
                    {
                        throw new RunnelException(
                            RunnelErrorCode.WrongOwner,
                            $"The owner of {grainId} is still moving after {MaxForwardCount} redirects (last: {wrongOwner.Message}); try again.",
                            wrongOwner,
                            isRetriable: true);
                    }

                    await context.RefreshViewAsync(Math.Max(wrongOwner.ViewVersion, (view?.Version ?? 0) + 1), waits.Token).ConfigureAwait(false);
                }
                catch (RunnelException notSent) when (notSent.Code == RunnelErrorCode.ConnectionLost && !(isSystem && grainId.Key.Length > 0))
                {
                    var remaining = deadline - time.GetUtcNow();
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw;
                    }

                    // The owner may be gone: look for a newer view, then try again (elsewhere if the owner changed).
                    await context.RefreshViewAsync(0, waits.Token).ConfigureAwait(false);
                    if (ReferenceEquals(context.View, view) || context.View?.Owner(grainId) == view?.Owner(grainId))
                    {
                        await Task.Delay(delay, time, waits.Token).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (waits.HasExpired && !cancellationToken.IsCancellationRequested)
        {
            throw new RunnelException(
                RunnelErrorCode.ConnectionLost,
                $"The call to {grainId} could not be sent within {callTimeout}: its owner was unreachable.",
                isRetriable: true);
        }
        finally
        {
            if (localTurn is null || localTurn.IsCompleted)
            {
                _arguments.Dispose();
            }
            else
            {
                // Cancelled while a local turn still reads the arguments in place: return them when it ends.
                _ = localTurn.ContinueWith(static (_, writer) => ((WireWriter)writer!).Dispose(), _arguments, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// A token for the call's waits (connecting, refreshing the view, backing off) that fires at the call's deadline
    /// on the caller's clock, or when the caller cancels. Created on first use: a call whose connection is up never
    /// allocates it.
    /// </summary>
    private sealed class DeadlineToken(TimeProvider time, TimeSpan timeout, CancellationToken caller) : IDisposable
    {
        private readonly long _started = time.GetTimestamp();
        private CancellationTokenSource? _timer;
        private CancellationTokenSource? _linked;

        public CancellationToken Token
        {
            get
            {
                if (_linked is null)
                {
                    var left = timeout - time.GetElapsedTime(_started);
                    _timer = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
                    _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _timer.Token);
                }

                return _linked.Token;
            }
        }

        public bool HasExpired => _timer?.IsCancellationRequested ?? false;

        public void Dispose()
        {
            _linked?.Dispose();
            _timer?.Dispose();
        }
    }

    private SiloAddress? SystemTarget() =>
        grainId.Key.Length == 0 ? null
        : SiloAddress.TryParse(grainId.Key, out var silo) ? silo
        : throw new RunnelException(RunnelErrorCode.InvalidArgument, $"System grain key '{grainId.Key}' is not a silo address.");
}
