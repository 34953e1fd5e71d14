using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Runnel.Kafka;

/// <summary>Registers the Kafka listener with a host.</summary>
public static class KafkaHostingExtensions
{
    /// <summary>
    /// Adds <see cref="KafkaListener"/> as a hosted service, with <see cref="KafkaListenerOptions"/> validated on start.
    /// Needs an <see cref="IGrainFactory"/> in the services (the silo registers one). Call it after the silo is added,
    /// so the listener starts after the silo and stops before it.
    /// </summary>
    public static IServiceCollection AddRunnelKafka(this IServiceCollection services, Action<KafkaListenerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<KafkaListenerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaListenerOptions>, KafkaListenerOptionsValidator>());
        services.TryAddSingleton<KafkaListener>();
        services.AddHostedService(sp => sp.GetRequiredService<KafkaListener>());
        return services;
    }
}
