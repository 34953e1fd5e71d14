using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Runtime;
using Runnel.Runtime.Client;
using Runnel.Storage;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>One real silo (generic host, Kestrel on a free 127.0.0.1 port) hosting the product grains over a given
/// store, and a <see cref="RunnelClient"/> connected to it. Disposing stops the silo gracefully (partitions released).</summary>
public sealed class GrainsSilo : IAsyncDisposable
{
    private bool _stopped;

    private GrainsSilo(IHost host, RunnelClient client)
    {
        Host = host;
        Client = client;
    }

    public IHost Host { get; }

    public RunnelClient Client { get; }

    /// <param name="store">The store the grains (and the silo's membership) use.</param>
    /// <param name="configure">Grain options.</param>
    /// <param name="time">The silo's clock (grain timers, idle collection, membership); the system clock when null.</param>
    public static async Task<GrainsSilo> StartAsync(IObjectStore store, Action<RunnelGrainsOptions>? configure = null, TimeProvider? time = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services
            .AddRunnelSilo(o =>
            {
                o.Port = 0;
                o.ClusterId = "test";
                o.SiloName = "grains-test";
            })
            .AddRunnelGrains(_ => store, configure);
        var host = builder.Build();
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<RunnelSilo>().LocalEndpoint;
        var client = new RunnelClient(RunnelClientOptions.Default with { Endpoint = endpoint.ToString(), ClusterId = "test", ClientName = "grains-test" });
        await client.ConnectAsync();
        return new GrainsSilo(host, client);
    }

    public ITopicGrain Topic(string name) => Client.GetGrain<ITopicGrain>(name);

    public IPartitionGrain Partition(string topic, int partition) => Client.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition));

    public ITopicCatalogGrain Catalog => Client.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey);

    public IConsumerGroupGrain Group(string groupId) => Client.GetGrain<IConsumerGroupGrain>(groupId);

    public IConsumerGroupCatalogGrain Groups => Client.GetGrain<IConsumerGroupCatalogGrain>(RunnelCluster.SingletonKey);

    public IProducerIdGrain ProducerIds => Client.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey);

    /// <summary>Stops the silo gracefully: every grain deactivates, every partition is released.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Client.DisposeAsync();
        await Host.StopAsync();
        Host.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
