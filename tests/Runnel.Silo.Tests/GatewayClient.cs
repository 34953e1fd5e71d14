using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Runnel.Silo.Tests;

/// <summary>An Orleans client of one silo process's gateway (<c>--port</c>), for tests that call the grains directly and
/// count what each call did.</summary>
public sealed class GatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayClient(IHost host) => _host = host;

    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to the gateway at 127.0.0.1:<paramref name="gatewayPort"/> of cluster <paramref name="clusterId"/>.</summary>
    public static async Task<GatewayClient> ConnectAsync(int gatewayPort, string clusterId = "dev")
    {
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = RunnelCluster.ServiceId;
                });
            })
            .Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(timeout.Token);
        return new GatewayClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
