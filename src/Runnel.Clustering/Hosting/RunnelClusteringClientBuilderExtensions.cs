using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Runnel.Storage;

namespace Runnel.Clustering.Hosting;

/// <summary>Client-side registration of Runnel's clustering: where a client finds the gateways.</summary>
public static class RunnelClusteringClientBuilderExtensions
{
    /// <summary>
    /// Finds the cluster's gateways where <see cref="RunnelClusteringOptions.Backend"/> says: by default in the
    /// membership blob of the <see cref="IObjectStore"/> registered in the client's services
    /// (<see cref="ObjectStoreGatewayListProvider"/>), or in an Azure Storage table. The options must match the silos'.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static IClientBuilder UseRunnelClustering(this IClientBuilder builder, Action<RunnelClusteringOptions>? configure = null) =>
        UseRunnelClustering(builder, store: null, configure);

    /// <summary>As <see cref="UseRunnelClustering(IClientBuilder, Action{RunnelClusteringOptions}?)"/>, reading the
    /// table from <paramref name="store"/> rather than the store registered in the services.</summary>
    public static IClientBuilder UseRunnelClustering(this IClientBuilder builder, IObjectStore? store, Action<RunnelClusteringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = RunnelClusteringRegistration.AddOptions(builder.Services, configure);

        if (options.Backend == RunnelClusteringBackend.AzureTable)
        {
            builder.UseAzureStorageClustering(azure =>
            {
                azure.TableName = options.AzureTableName;
                azure.TableServiceClient = new TableServiceClient(options.AzureTableConnectionString);
            });
            return builder;
        }

        builder.Services.TryAddSingleton<IGatewayListProvider>(services => new ObjectStoreGatewayListProvider(
            store ?? services.GetRequiredService<IObjectStore>(),
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            services.GetRequiredService<IOptions<RunnelClusteringOptions>>(),
            services.GetRequiredService<IOptions<GatewayOptions>>()));
        return builder;
    }
}
