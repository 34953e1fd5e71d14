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

    /// <summary>Registers <see cref="RendezvousPlacementDirector"/> for grains marked <see cref="RendezvousPlacementAttribute"/>.
    /// Every silo that may host such grains needs it.</summary>
    public static ISiloBuilder AddRendezvousPlacement(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPlacementDirector<RendezvousPlacement, RendezvousPlacementDirector>();
        return builder;
    }
}
