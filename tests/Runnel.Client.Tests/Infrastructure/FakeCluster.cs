using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runnel.Client.Tests.Fakes;
using Runnel.Grains;
using Runnel.Runtime;
using Runnel.Testing;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// One in-process silo on a free 127.0.0.1 port hosting the fake topic, catalog, partition and producer-id grains over
/// a shared <see cref="FakeBroker"/>, and a <see cref="RunnelConnection"/> to it. Disposing stops both.
/// </summary>
public sealed class FakeCluster : IAsyncDisposable
{
    private readonly TempDirectory _data;

    private FakeCluster(IHost host, RunnelConnection connection, TempDirectory data)
    {
        _data = data;
        Host = host;
        Connection = connection;
        Broker = host.Services.GetRequiredService<FakeBroker>();
    }

    public IHost Host { get; }

    public RunnelConnection Connection { get; }

    public FakeBroker Broker { get; }

    public string Bootstrap => Host.Services.GetRequiredService<RunnelSilo>().LocalEndpoint.ToString();

    /// <param name="realGroups">Host the real <see cref="ConsumerGroupGrain"/> and its catalog (on the silo's embedded file
    /// store, over the fake topics) instead of the fake group grain.</param>
    public static async Task<FakeCluster> StartAsync(bool realGroups = false)
    {
        // Its own membership store: fake silos of test classes running in parallel must not form one cluster.
        var data = new TempDirectory("client-tests");
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<FakeBroker>();
        var silo = builder.Services
            .AddRunnelSilo(o =>
            {
                o.Port = 0;
                o.ClusterId = "dev";
                o.SiloName = "fake-silo";
                o.DataDirectory = data.Path;
            })
            .AddGrain<ITopicGrain, FakeTopicGrain>()
            .AddGrain<ITopicCatalogGrain, FakeTopicCatalogGrain>()
            .AddGrain<IPartitionGrain, FakePartitionGrain>()
            .AddGrain<IProducerIdGrain, FakeProducerIdGrain>();
        if (realGroups)
        {
            builder.Services.AddOptions<RunnelGrainsOptions>().Configure(o => o.GroupHeartbeatInterval = TimeSpan.FromMilliseconds(300));
            builder.Services.TryAddSingleton(TimeProvider.System);
            silo.AddGrain<IConsumerGroupGrain, ConsumerGroupGrain>().AddGrain<IConsumerGroupCatalogGrain, ConsumerGroupCatalogGrain>();
        }
        else
        {
            silo.AddGrain<IConsumerGroupGrain, FakeConsumerGroupGrain>().AddGrain<IConsumerGroupCatalogGrain, FakeConsumerGroupCatalogGrain>();
        }

        var host = builder.Build();
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<RunnelSilo>().LocalEndpoint.ToString();
        var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [endpoint], ClientName = "client-tests" });
        return new FakeCluster(host, connection, data);
    }

    /// <summary>Creates a topic with a fresh name.</summary>
    public async Task<string> CreateTopicAsync(int partitions = 1)
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        await Connection.Admin.CreateTopicAsync(name, partitions);
        return name;
    }

    /// <summary>A separate connection to the fake silo (a consumer that can be cut off on its own).</summary>
    public Task<RunnelConnection> ConnectAsync() =>
        RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [Bootstrap], ClientName = "client-tests" });

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Host.StopAsync();
        Host.Dispose();
        _data.Dispose();
    }
}
