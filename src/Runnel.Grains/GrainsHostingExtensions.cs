using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Runnel.Clustering.Hosting;
using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>Adds Runnel to an Orleans silo: its grains, their services, rendezvous placement for partitions and the
/// error translation of grain calls.</summary>
public static class GrainsHostingExtensions
{
    /// <summary>
    /// Adds Runnel to any Orleans silo, next to the application's own grains: the product grains over the
    /// <see cref="IObjectStore"/> that <paramref name="store"/> creates (see
    /// <see cref="AddRunnelGrains(ISiloBuilder, Func{IServiceProvider, IObjectStore}, Action{RunnelGrainsOptions}?)"/>).
    /// The cluster's membership is the application's choice; <c>UseRunnelClustering(store)</c> keeps it in the same store.
    /// The application's grains produce and consume through <c>RunnelConnection.FromGrainFactory(GrainFactory)</c>.
    /// </summary>
    /// <example><code>
    /// builder.UseOrleans(silo => silo
    ///     .UseRunnelClustering(store)
    ///     .AddRunnel(_ => store));
    /// </code></example>
    public static ISiloBuilder AddRunnel(this ISiloBuilder silo, Func<IServiceProvider, IObjectStore> store, Action<RunnelGrainsOptions>? configure = null) =>
        AddRunnelGrains(silo, store, configure);

    /// <summary>
    /// Hosts <see cref="ITopicGrain"/>, <see cref="ITopicCatalogGrain"/>, <see cref="IPartitionGrain"/>,
    /// <see cref="IProducerIdGrain"/>, <see cref="IConsumerGroupGrain"/> and <see cref="IConsumerGroupCatalogGrain"/> on this silo, over the <see cref="IObjectStore"/> that <paramref name="store"/>
    /// creates. That store becomes the host's one <see cref="IObjectStore"/> (it replaces any registered before), so the
    /// cluster's membership (with <c>UseRunnelClustering()</c>) and its partitions live in the same store; the host
    /// disposes it if it is disposable. <see cref="RunnelGrainsOptions"/> are validated on start.
    /// </summary>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Func<IServiceProvider, IObjectStore> store, Action<RunnelGrainsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(store);
        silo.Services.RemoveAll<IObjectStore>();
        silo.Services.AddSingleton(store);
        return silo.AddRunnelGrains(configure);
    }

    /// <summary>
    /// Hosts the product grains over the host's registered <see cref="IObjectStore"/>.
    /// </summary>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Action<RunnelGrainsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<PartitionInstruments>();
        silo.Services.TryAddSingleton<GroupInstruments>();
        var options = silo.Services.AddOptions<RunnelGrainsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunnelGrainsOptions>, RunnelGrainsOptionsValidator>());
        silo.Services.AddHostedService<RetentionSweeper>();
        silo.Services.TryAddSingleton<LocalPartitions>();
        silo.Services.AddHostedService<PartitionRebalancer>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        silo.AddIncomingGrainCallFilter<RunnelGrainErrorFilter>();
        return silo.AddRendezvousPlacement();
    }
}
