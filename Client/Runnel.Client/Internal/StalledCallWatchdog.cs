using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

/// <summary>
/// Ends calls to Runnel's grains that can no longer be answered. Orleans does not fail a call in flight when the silo
/// serving it dies or stops answering (killed, paused), or when the gateway it went through does: the call waits for the
/// response timeout (30 s), and an idempotent producer's partition stalls behind it. So a call still pending after
/// <see cref="CheckAfter"/> is checked, and again every <see cref="CheckAfter"/>: it fails with
/// <see cref="RunnelErrorCode.OutcomeUnknown"/> — retriable, possibly handled — when a gateway connection was lost since
/// it was sent, when a silo has left the cluster since it was sent, or when the silo its grain is active on is not an
/// active member (or the grain is active nowhere). The caller's retry then reaches the grain on a live silo. A call that
/// is merely slow (a long-poll fetch, a busy partition) on a healthy cluster is left alone. A lost gateway connection
/// is acted on at once, whatever the call's age: a hung silo fenced by a sibling (its process killed) shows here first
/// as its gateway connection closing, and waiting for the next check would add up to <see cref="CheckAfter"/> to the
/// failover.
/// </summary>
/// <remarks>The cluster's view comes from the gateway's silo (<see cref="IManagementGrain"/> is a stateless worker, so
/// answered where the call lands), asked at most once a second however many calls are stalled, each question bounded by
/// <see cref="CheckAfter"/>: a check that cannot be answered decides nothing.</remarks>
internal sealed partial class StalledCallWatchdog(IServiceProvider services, ConnectionStatus status, ILogger<StalledCallWatchdog> logger)
    : IOutgoingGrainCallFilter
{
    /// <summary>How long a call runs before it is checked, and how often after.</summary>
    public static readonly TimeSpan CheckAfter = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly HashSet<SiloAddress> _departed = [];
    private Task? _refresh;
    private long _refreshedAt;
    private Dictionary<SiloAddress, SiloStatus> _hosts = [];
    private long _departures;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var losses = status.Losses;
        var departures = Interlocked.Read(ref _departures);
        var call = context.Invoke();
        if (call.IsCompleted || !context.InterfaceName.StartsWith("Runnel.", StringComparison.Ordinal))
        {
            await call.ConfigureAwait(false);
            return;
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            // Read before Losses, so that a loss between the two is not missed.
            var lost = status.LossToken;
            if (status.Losses == losses)
            {
                try
                {
                    // One timer per wait and nothing else allocated on the way of a call answered in time (a delay task,
                    // its cancellation source and a WhenAny per call cost the client ~10 % of its CPU per call).
                    await call.WaitAsync(CheckAfter, lost).ConfigureAwait(false);
                    return;
                }
                catch (TimeoutException) when (!call.IsCompleted)
                {
                    // pending for another CheckAfter: check it
                }
                catch (OperationCanceledException) when (!call.IsCompleted && lost.IsCancellationRequested)
                {
                    // A gateway connection closed (its silo was killed, stopped, or fenced by a sibling): a call that went
                    // through it is never answered, and which gateway a call took is not known here, so every call in
                    // flight is ended now rather than at its next check. Those that went elsewhere may have been handled.
                }
            }

            if (call.IsCompleted)
            {
                await call.ConfigureAwait(false);
                return;
            }

            if (await WhyLostAsync(context.TargetId, losses, departures).ConfigureAwait(false) is { } reason)
            {
                // The original call still ends one day (with Orleans' timeout): observe it, nobody else will.
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                var method = $"{Short(context.InterfaceName)}.{context.MethodName}";
                LogAbandoned(logger, method, context.TargetId.ToString(), clock.Elapsed.TotalSeconds, reason);
                throw new RunnelException(RunnelErrorCode.OutcomeUnknown,
                    $"The call {method} to {context.TargetId} was abandoned after {clock.Elapsed.TotalSeconds:0.#} s: {reason}; it may have been handled.",
                    isRetriable: true, isOutcomeUnknown: true);
            }
        }
    }

    /// <summary>Why a call sent when <paramref name="lossesAtSend"/> gateway connections had been lost and
    /// <paramref name="departuresAtSend"/> silos had been seen leaving cannot be answered any more, or null while it
    /// still can.</summary>
    private async Task<string?> WhyLostAsync(GrainId target, long lossesAtSend, long departuresAtSend)
    {
        if (status.Losses != lossesAtSend)
        {
            return "a gateway connection was lost while it was in flight";
        }

        try
        {
            var grains = services.GetRequiredService<IClusterClient>();
            var management = grains.GetGrain<IManagementGrain>(0);
            await RefreshAsync(management).WaitAsync(CheckAfter).ConfigureAwait(false);
            if (Interlocked.Read(ref _departures) != departuresAtSend)
            {
                return "a silo left the cluster while it was in flight";
            }

            // Bounded: the directory partition that knows the grain may live on the very silo that stopped answering.
            var address = await management.GetActivationAddress(grains.GetGrain(target)).AsTask().WaitAsync(CheckAfter).ConfigureAwait(false);
            if (address is null)
            {
                return "its grain is not active on any silo";
            }

            Dictionary<SiloAddress, SiloStatus> hosts;
            lock (_gate)
            {
                hosts = _hosts;
            }

            return hosts.TryGetValue(address, out var siloStatus) && siloStatus == SiloStatus.Active
                ? null
                : $"the silo it is served by ({address}) is not an active member";
        }
#pragma warning disable CA1031 // the check itself failing (no answer in time) decides nothing: the call keeps waiting
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            LogCheckFailed(logger, ex.Message);
            return null;
        }
    }

    /// <summary>Refreshes the cluster's membership as the gateway's silo sees it (at most once a second), counting the
    /// silos seen leaving it (dead, stopping or shutting down) for the first time.</summary>
    private Task RefreshAsync(IManagementGrain management)
    {
        lock (_gate)
        {
            if (_refresh is null || _refresh.IsFaulted || (_refresh.IsCompleted && Stopwatch.GetElapsedTime(_refreshedAt) > TimeSpan.FromSeconds(1)))
            {
                _refreshedAt = Stopwatch.GetTimestamp();
                _refresh = RefreshCoreAsync(management);
            }

            return _refresh;
        }
    }

    private async Task RefreshCoreAsync(IManagementGrain management)
    {
        var hosts = await management.GetHosts(onlyActive: false).ConfigureAwait(false);
        lock (_gate)
        {
            _hosts = hosts;
            foreach (var (silo, siloStatus) in hosts)
            {
                if (siloStatus is SiloStatus.Dead or SiloStatus.Stopping or SiloStatus.ShuttingDown && _departed.Add(silo))
                {
                    Interlocked.Increment(ref _departures);
                }
            }
        }
    }

    private static string Short(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }

    [LoggerMessage(1, LogLevel.Warning, "Abandoned the call {Method} to {Grain} after {Seconds:0.#} s: {Reason}; it is retried if it may be")]
    private static partial void LogAbandoned(ILogger logger, string method, string grain, double seconds, string reason);

    [LoggerMessage(2, LogLevel.Debug, "Could not check a stalled call (it keeps waiting): {Message}")]
    private static partial void LogCheckFailed(ILogger logger, string message);
}
