using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Runnel.Clustering.Hosting;
using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>Registers Runnel's product grains with a silo.</summary>
public static class GrainsHostingExtensions
{
    /// <summary>
    /// Hosts <see cref="ITopicGrain"/>, <see cref="ITopicCatalogGrain"/>, <see cref="IPartitionGrain"/>,
    /// <see cref="IProducerIdGrain"/>, <see cref="IConsumerGroupGrain"/> and <see cref="IConsumerGroupCatalogGrain"/> on this silo, over the <see cref="IObjectStore"/> that <paramref name="store"/>
    /// creates. That store becomes the host's one <see cref="IObjectStore"/> (it replaces any registered before, such as
    /// the runtime's embedded file store), so the cluster's membership and its partitions always live in the same store;
    /// the host disposes it if it is disposable. <see cref="RunnelGrainsOptions"/> are validated on start.
    /// </summary>
    /// <example><code>
    /// services.AddRunnelSilo(o => o.ClusterId = "prod")
    ///         .AddRunnelGrains(_ => new FileObjectStore("./data"));
    /// </code></example>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Func<IServiceProvider, IObjectStore> store, Action<RunnelGrainsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(store);
        silo.Services.RemoveAll<IObjectStore>();
        silo.Services.AddSingleton(store);
        return silo.AddRunnelGrains(configure);
    }

    /// <summary>
    /// Hosts the product grains over the host's registered <see cref="IObjectStore"/> — the one the cluster's membership
    /// uses (the runtime's embedded file store unless the host registered another, as the test cluster does per silo).
    /// </summary>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Action<RunnelGrainsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<PartitionInstruments>();
        var options = silo.Services.AddOptions<RunnelGrainsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunnelGrainsOptions>, RunnelGrainsOptionsValidator>());
        silo.Services.AddHostedService<RetentionSweeper>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        silo.AddIncomingGrainCallFilter<RunnelErrorWireFilter>();
        return silo.AddRendezvousPlacement();
    }
}
