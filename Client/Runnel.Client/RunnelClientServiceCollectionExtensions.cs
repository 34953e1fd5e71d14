using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>Registers a <see cref="RunnelConnection"/> in a hosted application's services.</summary>
public static class RunnelClientServiceCollectionExtensions
{
    /// <summary>
    /// A <see cref="RunnelConnection"/> over the application's own Orleans runtime: its silo (hosting Runnel with
    /// <c>siloBuilder.AddRunnel(...)</c>) or its cluster client (<c>UseOrleansClient</c>) of a Runnel cluster. Grains and
    /// services then produce and consume through it; it opens no connection of its own.
    /// </summary>
    public static IServiceCollection AddRunnelClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => RunnelConnection.FromGrainFactory(
            sp.GetRequiredService<IGrainFactory>(), sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// A <see cref="RunnelConnection"/> of its own to the Runnel cluster <paramref name="options"/> names, connected when
    /// the host starts (a start that reaches no silo fails with <see cref="RunnelErrorCode.ConnectionLost"/>) and closed
    /// when it stops. Resolving the connection before the host has started throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public static IServiceCollection AddRunnelClient(this IServiceCollection services, RunnelConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(sp => new HostedConnection(options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<HostedConnection>());
        services.TryAddSingleton(sp => sp.GetRequiredService<HostedConnection>().Connection);
        return services;
    }
}
