using Microsoft.Extensions.Diagnostics.HealthChecks;
using Runnel.Storage;

namespace Runnel.Silo;

/// <summary><c>/readyz</c>: healthy when the silo serves (<see cref="SiloReadiness"/>) and the store answers a
/// one-item listing within <see cref="ProbeTimeout"/>. Each probe is one storage round trip.</summary>
public sealed class ReadinessCheck(SiloReadiness readiness, IObjectStore store) : IHealthCheck
{
    /// <summary>Long enough for a healthy Azure request, short enough for a Kubernetes probe (default timeout 1 s is
    /// usually raised to a few seconds for this probe).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsServing)
        {
            return HealthCheckResult.Unhealthy("The silo is not serving (starting or stopping).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await store.ListAsync("topics/", pageSize: 1, cancellationToken: timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (RunnelException ex)
        {
            return HealthCheckResult.Unhealthy($"The store is not reachable: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The store did not answer within {ProbeTimeout.TotalSeconds:0} s.");
        }
    }
}
