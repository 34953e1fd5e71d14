using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Runnel.Clustering.Hosting;
using Runnel.Grains.Internal;
using Runnel.Persistence;
using Runnel.Persistence.Hosting;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>Adds Runnel to an Orleans silo: its grains, their services, their grain storage, rendezvous placement for
/// partitions and the error translation of grain calls.</summary>
public static class GrainsHostingExtensions
{
    /// <summary>
    /// The grain storage Runnel's small grain state lives in (topic metadata, the topic and consumer-group catalogs,
    /// producer-id blocks; partitions and groups keep their logs in the object store). <c>AddRunnel</c> registers it
    /// unless the silo already has a grain storage of this name.
    /// </summary>
    public const string GrainStorageName = "runnel";

    /// <summary>
    /// Adds Runnel to any Orleans silo, next to the application's own grains: the product grains over the
    /// <see cref="IObjectStore"/> that <paramref name="store"/> creates (see
    /// <see cref="AddRunnelGrains(ISiloBuilder, Func{IServiceProvider, IObjectStore}, Action{RunnelGrainsOptions}?, Action{RunnelGrainStorageOptions}?)"/>).
    /// The cluster's membership is the application's choice; <c>UseRunnelClustering(store)</c> keeps it in the same store.
    /// The grains' state goes to grain storage <see cref="GrainStorageName"/>, by default blobs in the same store;
    /// <paramref name="grainStorage"/> may choose Orleans' Azure blob provider instead
    /// (<see cref="RunnelGrainStorageBackend.AzureBlob"/>).
    /// The application's grains produce and consume through <c>RunnelConnection.FromGrainFactory(GrainFactory)</c>.
    /// </summary>
    /// <example><code>
    /// builder.UseOrleans(silo => silo
    ///     .UseRunnelClustering(store)
    ///     .AddRunnel(_ => store));
    /// </code></example>
    public static ISiloBuilder AddRunnel(
        this ISiloBuilder silo,
        Func<IServiceProvider, IObjectStore> store,
        Action<RunnelGrainsOptions>? configure = null,
        Action<RunnelGrainStorageOptions>? grainStorage = null) =>
        AddRunnelGrains(silo, store, configure, grainStorage);

    /// <summary>
    /// Hosts <see cref="ITopicGrain"/>, <see cref="ITopicCatalogGrain"/>, <see cref="IPartitionGrain"/>,
    /// <see cref="IProducerIdGrain"/>, <see cref="IConsumerGroupGrain"/>, <see cref="IConsumerGroupCatalogGrain"/>,
    /// <see cref="ITransactionCoordinatorGrain"/> and <see cref="ITransactionCatalogGrain"/> on this silo, over the <see cref="IObjectStore"/> that <paramref name="store"/>
    /// creates. That store becomes the host's one <see cref="IObjectStore"/> (it replaces any registered before), so the
    /// cluster's membership (with <c>UseRunnelClustering()</c>) and its partitions live in the same store; the host
    /// disposes it if it is disposable. <see cref="RunnelGrainsOptions"/> are validated on start.
    /// </summary>
    public static ISiloBuilder AddRunnelGrains(
        this ISiloBuilder silo,
        Func<IServiceProvider, IObjectStore> store,
        Action<RunnelGrainsOptions>? configure = null,
        Action<RunnelGrainStorageOptions>? grainStorage = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(store);
        silo.Services.RemoveAll<IObjectStore>();
        silo.Services.AddSingleton(store);
        return silo.AddRunnelGrains(configure, grainStorage);
    }

    /// <summary>
    /// Hosts the product grains over the host's registered <see cref="IObjectStore"/>, with grain storage
    /// <see cref="GrainStorageName"/> (<c>AddRunnelGrainStorage</c>, configured by <paramref name="grainStorage"/>) unless
    /// the silo already registered one of that name.
    /// </summary>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Action<RunnelGrainsOptions>? configure = null, Action<RunnelGrainStorageOptions>? grainStorage = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!silo.Services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, GrainStorageName)))
        {
            silo.AddRunnelGrainStorage(GrainStorageName, grainStorage);
            WireSafeGrainStorage.Decorate(silo.Services, GrainStorageName);
        }

        silo.Services.TryAddSingleton<GrainStateReader>();
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
        silo.Services.AddHostedService<TransactionSweeper>();
        silo.Services.TryAddSingleton<LocalPartitions>();
        silo.Services.TryAddSingleton<LargeBatchBudget>();
        silo.Services.AddHostedService<PartitionRebalancer>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        silo.AddIncomingGrainCallFilter<RunnelGrainErrorFilter>();
        return silo.AddRendezvousPlacement();
    }
}
