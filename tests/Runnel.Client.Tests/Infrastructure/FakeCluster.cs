using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Runnel.Client.Tests.Fakes;
using Runnel.Grains;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// One silo of Orleans' <see cref="InProcessTestCluster"/> hosting the fake topic, catalog, partition and producer-id
/// grains over a shared <see cref="FakeBroker"/>, and a <see cref="RunnelConnection"/> to its gateway. The silo speaks
/// TCP on 127.0.0.1 (not the test cluster's in-memory transport) so that the client library and the CLI connect to it
/// as they connect to a real silo. Disposing stops both.
/// </summary>
public sealed class FakeCluster : IAsyncDisposable
{
    /// <summary>Where the in-memory transport's registrations come from (what <see cref="UseSockets"/> removes).</summary>
    private const string InMemoryTransportNamespace = "Orleans.TestingHost.InMemoryTransport";

    private readonly InProcessTestCluster _cluster;
    private readonly TempDirectory _data;

    private FakeCluster(InProcessTestCluster cluster, FakeBroker broker, RunnelConnection connection, TempDirectory data)
    {
        _cluster = cluster;
        _data = data;
        Broker = broker;
        Connection = connection;
    }

    public RunnelConnection Connection { get; }

    public FakeBroker Broker { get; }

    /// <summary>The silo's gateway, <c>127.0.0.1:port</c>: what clients bootstrap from.</summary>
    public string Bootstrap => _cluster.Silos[0].GatewayAddress.Endpoint.ToString();

    /// <summary>The silo's own (silo-to-silo) endpoint: how the grain directory names the silo a grain is active on.</summary>
    public string SiloEndpoint => _cluster.Silos[0].SiloAddress.Endpoint.ToString();

    /// <param name="realGroups">Host the real <see cref="ConsumerGroupGrain"/> and its catalog (on a file store in a
    /// temporary directory, over the fake topics; heartbeat interval 300 ms) instead of the fake group grains.</param>
    /// <param name="realGrains">Host every real grain (topics, partitions, groups, transactions, on the file store) and no
    /// fake: a real silo over TCP for the CLI, in this process. The broker is then unused.</param>
    public static async Task<FakeCluster> StartAsync(bool realGroups = false, bool realGrains = false)
    {
        var broker = new FakeBroker();
        var data = new TempDirectory("client-tests");
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ClusterId = RunnelConnectionOptions.Default.ClusterId;
        builder.Options.ServiceId = RunnelCluster.ServiceId;
        // The test cluster's own client speaks the in-memory transport: the tests use RunnelConnection instead.
        builder.Options.InitializeClientOnDeploy = false;
        builder.ConfigureSilo((_, silo) =>
        {
            // A Runnel silo (its services, call filters and options: the store is used by the real group grains only)
            // whose grains are the fakes over the broker.
            silo.AddRunnelGrains(_ => new FileObjectStore(data.Path), o => o.GroupHeartbeatInterval = TimeSpan.FromMilliseconds(300));
            silo.Services.AddSingleton(broker);
            // Orleans finds every grain class of the loaded assemblies, real and fake: a grain interface with two
            // implementations has none, so drop the classes this cluster does not serve.
            Type[] unused = realGroups
                ? [typeof(TopicGrain), typeof(TopicCatalogGrain), typeof(PartitionGrain), typeof(ProducerIdGrain), typeof(FakeConsumerGroupGrain), typeof(FakeConsumerGroupCatalogGrain)]
                : [typeof(TopicGrain), typeof(TopicCatalogGrain), typeof(PartitionGrain), typeof(ProducerIdGrain), typeof(ConsumerGroupGrain), typeof(ConsumerGroupCatalogGrain)];
            silo.Services.PostConfigure<GrainTypeOptions>(o =>
            {
                if (realGrains)
                {
                    o.Classes.RemoveWhere(t => t.Namespace == typeof(FakeBroker).Namespace);
                    return;
                }

                foreach (var type in unused)
                {
                    o.Classes.Remove(type);
                }

                // The real transaction coordinator and catalog: the fakes over the broker stand for them.
                o.Classes.RemoveWhere(t => t.Assembly == typeof(TopicGrain).Assembly
                    && (typeof(ITransactionCoordinatorGrain).IsAssignableFrom(t) || typeof(ITransactionCatalogGrain).IsAssignableFrom(t)));
            });
        });
        builder.ConfigureSiloHost((_, host) => host.ConfigureContainer(new DefaultServiceProviderFactory(), UseSockets));
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            var gateway = cluster.Silos[0].GatewayAddress.Endpoint.ToString();
            var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [gateway], ClientName = "client-tests" });
            return new FakeCluster(cluster, broker, connection, data);
        }
        catch
        {
            await cluster.DisposeAsync();
            data.Dispose();
            throw;
        }
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
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>
    /// The test cluster registers its in-memory transport (silo connections, silo and gateway listeners) after every
    /// configuration delegate, and has no switch to leave it out; so drop those registrations when the container is
    /// built, leaving the TCP sockets Orleans registers by default.
    /// </summary>
    private static void UseSockets(IServiceCollection services)
    {
        var removed = 0;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i] is { IsKeyedService: true, KeyedImplementationFactory: { } factory }
                && factory.Method.DeclaringType?.Namespace == InMemoryTransportNamespace)
            {
                services.RemoveAt(i);
                removed++;
            }
        }

        if (removed != 3)
        {
            throw new InvalidOperationException($"Expected the test cluster's 3 in-memory transport registrations, found {removed}.");
        }
    }
}
