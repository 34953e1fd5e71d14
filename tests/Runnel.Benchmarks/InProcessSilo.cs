using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runnel.Grains;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>The one-silo host the in-process benchmarks measure against: Runnel on a store, localhost
/// clustering on free ports, warnings only.</summary>
internal static class InProcessSilo
{
    /// <summary>Builds and starts the silo; <paramref name="configure"/> adds what a benchmark needs beside Runnel.</summary>
    public static async Task<IHost> StartAsync(IObjectStore store, Action<ISiloBuilder>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort.Next(), FreePort.Next());
            silo.AddRunnel(_ => store);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
