using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Runnel.Runtime;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>Registers Runnel's product grains with a silo.</summary>
public static class GrainsHostingExtensions
{
    /// <summary>
    /// Hosts <see cref="ITopicGrain"/>, <see cref="ITopicCatalogGrain"/>, <see cref="IPartitionGrain"/> and
    /// <see cref="IProducerIdGrain"/> on this silo, over the <see cref="IObjectStore"/> that <paramref name="store"/>
    /// creates (registered as a singleton unless one is registered already; the host disposes it if it is disposable),
    /// with <see cref="RunnelGrainsOptions"/> validated on start.
    /// </summary>
    /// <example><code>
    /// services.AddRunnelSilo(o => o.ClusterId = "prod")
    ///         .AddRunnelGrains(_ => new FileObjectStore("./data"));
    /// </code></example>
    public static ISiloBuilder AddRunnelGrains(this ISiloBuilder silo, Func<IServiceProvider, IObjectStore> store, Action<RunnelGrainsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(store);
        silo.Services.TryAddSingleton(store);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<PartitionInstruments>();
        var options = silo.Services.AddOptions<RunnelGrainsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunnelGrainsOptions>, RunnelGrainsOptionsValidator>());
        return silo
            .AddGrain<ITopicGrain, TopicGrain>()
            .AddGrain<ITopicCatalogGrain, TopicCatalogGrain>()
            .AddGrain<IPartitionGrain, PartitionGrain>()
            .AddGrain<IProducerIdGrain, ProducerIdGrain>();
    }
}
