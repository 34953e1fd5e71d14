using Microsoft.Extensions.DependencyInjection;
using Orleans.Messaging;
using Orleans.TestingHost;
using Runnel.Clustering;
using Runnel.Clustering.Hosting;
using Runnel.Storage;

namespace Runnel.Testing.Cluster;

/// <summary>
/// Orleans' <see cref="InProcessTestCluster"/> (in-memory transport) whose silos and client keep membership with
/// <c>UseRunnelClustering</c> on one shared store and place <see cref="RendezvousPlacementAttribute"/> grains by rendezvous.
/// </summary>
public static class RunnelTestCluster
{
    /// <param name="silos">How many silos <c>DeployAsync</c> starts.</param>
    /// <param name="store">The store holding the membership blob (and whatever <paramref name="configureSilo"/> puts there).</param>
    /// <param name="configure">Runnel clustering options, for silos and client alike.</param>
    /// <param name="configureSilo">More silo configuration (e.g. grain storage), applied to every silo after clustering.</param>
    /// <param name="configureClient">More client configuration (e.g. Runnel's call filter), applied after clustering.</param>
    public static InProcessTestCluster Build(
        short silos, IObjectStore store, Action<RunnelClusteringOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null, Action<IClientBuilder>? configureClient = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        // RUNNEL_TEST_LOGS=1 writes each silo's and the client's log to a file (Orleans' test-cluster logging), for a
        // failure that needs the cluster's side of the story.
        builder.Options.ConfigureFileLogging = Environment.GetEnvironmentVariable("RUNNEL_TEST_LOGS") == "1";
        // The test cluster's own grain directory reads silo liveness from its own membership table, which these
        // silos do not use: take Orleans' distributed grain directory instead (its option to turn the test directory off).
#pragma warning disable ORLEANSEXP003
        builder.Options.UseDistributedGrainDirectory = true;
#pragma warning restore ORLEANSEXP003
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseRunnelClustering(store, configure).AddRendezvousPlacement();
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureSiloHost((_, host) => host.ConfigureContainer(new DefaultServiceProviderFactory(), RemoveTestClusterMembership<IMembershipTable>));
        builder.ConfigureClient(client =>
        {
            client.UseRunnelClustering(store, configure);
            configureClient?.Invoke(client);
        });
        builder.ConfigureClientHost(host => host.ConfigureContainer(new DefaultServiceProviderFactory(), RemoveTestClusterMembership<IGatewayListProvider>));
        return builder.Build();
    }

    /// <summary>
    /// The test cluster registers its in-memory membership table (as an instance) after every configuration delegate,
    /// and its switch to leave it out is internal; so drop that registration when the container is built, leaving the
    /// one UseRunnelClustering made (a factory).
    /// </summary>
    private static void RemoveTestClusterMembership<TService>(IServiceCollection services)
    {
        var removed = 0;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i] is { IsKeyedService: false, ImplementationInstance: not null } descriptor && descriptor.ServiceType == typeof(TService))
            {
                services.RemoveAt(i);
                removed++;
            }
        }

        if (removed == 0 || !services.Any(d => d.ServiceType == typeof(TService)))
        {
            throw new InvalidOperationException($"Expected one in-memory {typeof(TService).Name} from the test cluster and one from UseRunnelClustering.");
        }
    }

    /// <summary>The silos that are up, as the test cluster started them.</summary>
    public static SiloAddress[] Addresses(InProcessTestCluster cluster) => cluster.GetActiveSilos().Select(s => s.SiloAddress).ToArray();

    /// <summary>Waits until every silo that is up sees all of them Active (a silo's view lags the table by a refresh).</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="bound"/>.</exception>
    public static Task WaitForAllSilosActiveAsync(InProcessTestCluster cluster, TimeSpan bound)
    {
        var silos = Addresses(cluster);
        return Task.WhenAll(silos.Select(silo =>
        {
            var membership = cluster.GetSiloServiceProvider(silo).GetRequiredService<IClusterMembershipService>();
            return Probe.UntilAsync(
                () => Task.FromResult(membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active)),
                active => active == silos.Length,
                bound,
                $"{silo} sees {silos.Length} Active silos");
        }));
    }

    public static IMembershipTable Table(InProcessTestCluster cluster) =>
        cluster.GetSiloServiceProvider(cluster.GetActiveSilos().First().SiloAddress).GetRequiredService<IMembershipTable>();

    public static IGatewayListProvider GatewayList(InProcessTestCluster cluster) =>
        cluster.Client.ServiceProvider.GetRequiredService<IGatewayListProvider>();
}
