using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Runnel.Clustering.Hosting;

/// <summary>What the silo and client registrations share.</summary>
internal static class RunnelClusteringRegistration
{
    /// <summary>
    /// Registers <see cref="RunnelClusteringOptions"/> (configured by <paramref name="configure"/>, validated on start)
    /// and returns the values <paramref name="configure"/> gives now, validated, for the choices made at registration
    /// (the backend and its settings).
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static RunnelClusteringOptions AddOptions(IServiceCollection services, Action<RunnelClusteringOptions>? configure)
    {
        var optionsBuilder = services.AddOptions<RunnelClusteringOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunnelClusteringOptions>, RunnelClusteringOptionsValidator>());

        var now = new RunnelClusteringOptions();
        configure?.Invoke(now);
        var result = new RunnelClusteringOptionsValidator().Validate(Options.DefaultName, now);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(RunnelClusteringOptions), result.Failures);
        }

        return now;
    }
}
