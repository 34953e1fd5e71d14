using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Runnel.Storage;

namespace Runnel.Clustering.Hosting;

/// <summary>Silo-side registration of Runnel's clustering.</summary>
public static class RunnelClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Keeps the cluster's membership where <see cref="RunnelClusteringOptions.Backend"/> says: by default one blob in the
    /// <see cref="IObjectStore"/> registered in the silo's services (<see cref="ObjectStoreMembershipTable"/>), or an
    /// Azure Storage table. Also applies <see cref="RunnelFailureDetection.ApplyFastFailover"/> to
    /// <see cref="ClusterMembershipOptions"/>; a later <c>Configure&lt;ClusterMembershipOptions&gt;</c> overrides it.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid (checked here for the backend's own
    /// settings, and again when the silo starts).</exception>
    public static ISiloBuilder UseRunnelClustering(this ISiloBuilder builder, Action<RunnelClusteringOptions>? configure = null) =>
        UseRunnelClustering(builder, store: null, configure);

    /// <summary>As <see cref="UseRunnelClustering(ISiloBuilder, Action{RunnelClusteringOptions}?)"/>, with the table in
    /// <paramref name="store"/> rather than the store registered in the services.</summary>
    public static ISiloBuilder UseRunnelClustering(this ISiloBuilder builder, IObjectStore? store, Action<RunnelClusteringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = RunnelClusteringRegistration.AddOptions(builder.Services, configure);
        builder.Services.Configure<ClusterMembershipOptions>(RunnelFailureDetection.ApplyFastFailover);

        if (options.Backend == RunnelClusteringBackend.AzureTable)
        {
            builder.UseAzureStorageClustering(azure =>
            {
                azure.TableName = options.AzureTableName;
                azure.TableServiceClient = new TableServiceClient(options.AzureTableConnectionString);
            });
            return builder;
        }

        builder.Services.TryAddSingleton(services => new ObjectStoreMembershipTable(
            store ?? services.GetRequiredService<IObjectStore>(),
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            services.GetRequiredService<IOptions<RunnelClusteringOptions>>(),
            services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ObjectStoreMembershipTable>>()));
        builder.Services.AddSingleton<IMembershipTable>(services => services.GetRequiredService<ObjectStoreMembershipTable>());
        return builder;
    }

    /// <summary>
    /// Makes this silo kill (SIGKILL) the process of any silo of its cluster that is declared dead while running on the
    /// same host (same boot), and record its own process for its siblings to do the same. A hung silo (SIGSTOPped,
    /// stalled) then stops when the cluster declares it dead rather than when it runs again, which frees its gateway
    /// connections and, on the file store, its blob locks: measured in the chaos harness, a paused silo's partitions
    /// and every call routed through its gateway otherwise waited for its SIGCONT (8-12 s). The process records live in
    /// <paramref name="store"/> (default: the <see cref="IObjectStore"/> registered in the services) under
    /// <c>{RunnelClusteringOptions.BlobPrefix}/{clusterId}/processes/</c>, one small blob per silo name. Linux only; a
    /// no-op elsewhere. Only for silos that are processes of their own: silos hosted together in one process never
    /// kill their own process.
    /// </summary>
    public static ISiloBuilder KillDeadSilosOnSameHost(this ISiloBuilder builder, IObjectStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RunnelClusteringOptions>();
        builder.Services.AddSingleton(services => new Internal.SameHostSiloKiller(
            store ?? services.GetRequiredService<IObjectStore>(),
            services.GetRequiredService<ILocalSiloDetails>(),
            services.GetRequiredService<IClusterMembershipService>(),
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            services.GetRequiredService<IOptions<RunnelClusteringOptions>>(),
            services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Internal.SameHostSiloKiller>>()));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<Internal.SameHostSiloKiller>());
        return builder;
    }

    /// <summary>Registers <see cref="RendezvousPlacementDirector"/> for grains marked <see cref="RendezvousPlacementAttribute"/>.
    /// Every silo that may host such grains needs it.</summary>
    public static ISiloBuilder AddRendezvousPlacement(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPlacementDirector<RendezvousPlacement, RendezvousPlacementDirector>();
        return builder;
    }
}
