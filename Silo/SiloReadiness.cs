using Microsoft.Extensions.Options;

namespace Runnel.Silo;

/// <summary>
/// Whether the silo is serving: set once the host has started everything (the silo's grain endpoint, its grains and the
/// HTTP server), cleared as soon as shutdown begins, so <c>/readyz</c> turns away traffic before the grains deactivate.
/// Logs the lifecycle at Information.
/// </summary>
public sealed partial class SiloReadiness(IHostApplicationLifetime lifetime, ILocalSiloDetails silo, IOptions<RunnelSiloOptions> siloOptions, IOptions<SiloHostOptions> hostOptions, ILogger<SiloReadiness> logger)
    : IHostedService
{
    private volatile bool _serving;

    /// <summary>True between the host's start and the beginning of its shutdown.</summary>
    public bool IsServing => _serving;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            _serving = true;
            var host = hostOptions.Value;
            var storage = host.Storage.Kind == "file"
                ? $"file:{Path.GetFullPath(host.Storage.DataDirectory)}"
                : $"azure:{host.Storage.ContainerName}";
            LogReady(logger, siloOptions.Value.EffectiveSiloName, siloOptions.Value.ClusterId, silo.GatewayAddress?.Endpoint.ToString() ?? "-", silo.SiloAddress.Endpoint.ToString(), host.HttpPort, storage);
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            _serving = false;
            LogStopping(logger, siloOptions.Value.EffectiveSiloName);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Information, "Runnel silo {Silo} ready: cluster {Cluster}, clients on {Gateway}, silos on {SiloEndpoint}, HTTP on port {HttpPort}, storage {Storage}")]
    private static partial void LogReady(ILogger logger, string silo, string cluster, string gateway, string siloEndpoint, int httpPort, string storage);

    [LoggerMessage(2, LogLevel.Information, "Runnel silo {Silo} stopping: no longer ready; deactivating grains and releasing partitions")]
    private static partial void LogStopping(ILogger logger, string silo);
}
