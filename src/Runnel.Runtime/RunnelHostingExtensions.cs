using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Client;
using Runnel.Runtime.Hosting;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Management;
using Runnel.Runtime.Membership;
using Runnel.Runtime.Transport;
using Runnel.Storage;

namespace Runnel.Runtime;

/// <summary>Registers Runnel's silo and client with a generic host.</summary>
public static class RunnelHostingExtensions
{
    /// <summary>
    /// Adds a silo as a hosted service, with <see cref="SiloOptions"/> and <see cref="MembershipOptions"/> validated on
    /// start. Registers <see cref="RunnelSilo"/>, and an <see cref="IGrainFactory"/> for code inside the silo (unless
    /// one is registered already; its calls are routed to the owning silo). Uses from the host's services, when
    /// registered: the <see cref="IObjectStore"/> that holds the cluster's membership (default: a
    /// <see cref="FileObjectStore"/> under <see cref="SiloOptions.DataDirectory"/>, so one silo on local disk is a
    /// cluster of one), the <see cref="IFatalErrorHandler"/> (default: <see cref="Environment.FailFast(string)"/>),
    /// and the <see cref="TimeProvider"/> (default: the system clock) for grain timers, idle collection, deadlines and
    /// membership timers.
    /// </summary>
    /// <example><code>
    /// services.AddRunnelSilo(o => o.ClusterId = "prod").AddGrain&lt;ICounterGrain, CounterGrain&gt;();
    /// </code></example>
    public static ISiloBuilder AddRunnelSilo(this IServiceCollection services, Action<SiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddOptions<MembershipOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MembershipOptions>, MembershipOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IObjectStore>(sp => new FileObjectStore(Path.GetFullPath(sp.GetRequiredService<IOptions<SiloOptions>>().Value.DataDirectory)));
        services.TryAddSingleton<IFatalErrorHandler, FailFastFatalErrorHandler>();
        services.TryAddSingleton<GrainTypeRegistry>();
        services.TryAddSingleton<SiloState>();
        services.TryAddSingleton<NetworkGate>();
        services.TryAddSingleton<Catalog>();
        services.TryAddSingleton<MembershipService>();
        services.TryAddSingleton<SiloConnectionHandler>();
        services.AddSingleton(new GrainRegistration(typeof(ISiloControlGrain), typeof(SiloControlGrain)));
        services.AddSingleton(new GrainRegistration(typeof(IManagementGrain), typeof(ManagementGrain)));
        services.TryAddSingleton(sp => new RunnelSilo(
            sp.GetRequiredService<IOptions<SiloOptions>>(),
            sp.GetRequiredService<Catalog>(),
            sp.GetRequiredService<SiloConnectionHandler>(),
            sp.GetRequiredService<MembershipService>(),
            sp.GetRequiredService<NetworkGate>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<RunnelSilo>());
        services.TryAddSingleton(sp => sp.GetRequiredService<Catalog>().GrainFactory);
        return new SiloBuilder(services);
    }

    /// <summary>Adds a silo to a host builder; <paramref name="configure"/> sets options and grain types.</summary>
    public static IHostBuilder UseRunnelSilo(this IHostBuilder host, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(configure);
        return host.ConfigureServices(services => configure(services.AddRunnelSilo()));
    }

    /// <summary>
    /// Adds a <see cref="RunnelClient"/> that connects when the host starts (failing the start if it cannot) and
    /// closes when it stops, and registers it as the <see cref="IGrainFactory"/> (unless one is registered already).
    /// </summary>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public static IServiceCollection AddRunnelClient(this IServiceCollection services, RunnelClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RunnelClient(options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<RunnelClient>());
        services.AddHostedService<RunnelClientHostedService>();
        return services;
    }
}
