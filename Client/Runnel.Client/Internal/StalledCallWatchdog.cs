using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

/// <summary>
/// Ends calls to Runnel's grains that can no longer be answered. Orleans does not fail a call in flight when the silo
/// serving it dies, or when the gateway it went through does: the call waits for the response timeout (30 s), and an
/// idempotent producer's partition stalls behind it. So a call still pending after <see cref="CheckAfter"/> is checked
/// (again every <see cref="CheckAfter"/>): when a gateway connection was lost since it was sent, or the silo its grain
/// is active on is no longer an active member (or the grain is active nowhere), it fails with
/// <see cref="RunnelErrorCode.OutcomeUnknown"/> — retriable, possibly handled — and the caller's retry reaches the grain
/// on a live silo. A call that is merely slow (a long-poll fetch, a busy partition) is left alone.
/// </summary>
internal sealed partial class StalledCallWatchdog(IServiceProvider services, ConnectionStatus status, ILogger<StalledCallWatchdog> logger)
    : IOutgoingGrainCallFilter
{
    /// <summary>How long a call runs before it is checked, and how often after.</summary>
    public static readonly TimeSpan CheckAfter = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<Dictionary<SiloAddress, SiloStatus>>? _hosts;
    private long _hostsAt;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var call = context.Invoke();
        if (call.IsCompleted || !context.InterfaceName.StartsWith("Runnel.", StringComparison.Ordinal))
        {
            await call.ConfigureAwait(false);
            return;
        }

        var losses = status.Losses;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var delay = new CancellationTokenSource();
            var tick = Task.Delay(CheckAfter, delay.Token);
            if (await Task.WhenAny(call, tick).ConfigureAwait(false) == call)
            {
                await delay.CancelAsync().ConfigureAwait(false);
                await call.ConfigureAwait(false);
                return;
            }

            if (await WhyLostAsync(context.TargetId, losses).ConfigureAwait(false) is { } reason)
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

    /// <summary>Why a call sent when <paramref name="lossesAtSend"/> gateway connections had been lost cannot be answered
    /// any more, or null while it still can.</summary>
    private async Task<string?> WhyLostAsync(GrainId target, long lossesAtSend)
    {
        if (status.Losses != lossesAtSend)
        {
            return "a gateway connection was lost while it was in flight";
        }

        try
        {
            var grains = services.GetRequiredService<IClusterClient>();
            var management = grains.GetGrain<IManagementGrain>(0);
            var hosts = await ActiveHostsAsync(management).ConfigureAwait(false);
            var address = await management.GetActivationAddress(grains.GetGrain(target)).ConfigureAwait(false);
            if (address is null)
            {
                return "its grain is not active on any silo";
            }

            return hosts.TryGetValue(address, out var siloStatus) && siloStatus == SiloStatus.Active
                ? null
                : $"the silo it is served by ({address}) is no longer an active member";
        }
#pragma warning disable CA1031 // the check itself failing (no gateway answers) decides nothing: the call keeps waiting
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            LogCheckFailed(logger, ex.Message);
            return null;
        }
    }

    /// <summary>The cluster's members, asked at most once a second however many calls are stalled.</summary>
    private Task<Dictionary<SiloAddress, SiloStatus>> ActiveHostsAsync(IManagementGrain management)
    {
        lock (_gate)
        {
            if (_hosts is null || (_hosts.IsCompleted && Stopwatch.GetElapsedTime(_hostsAt) > TimeSpan.FromSeconds(1)) || _hosts.IsFaulted)
            {
                _hosts = management.GetHosts(onlyActive: false);
                _hostsAt = Stopwatch.GetTimestamp();
            }

            return _hosts;
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
