using Microsoft.Extensions.DependencyInjection;

namespace Runnel.Runtime;

/// <summary>Configures a silo: its options and the grain types it hosts. Returned by <see cref="RunnelHostingExtensions.AddRunnelSilo"/>.</summary>
public interface ISiloBuilder
{
    /// <summary>The host's services (grain classes get their constructor arguments from them).</summary>
    IServiceCollection Services { get; }

    /// <summary>Hosts grains of interface <typeparamref name="TInterface"/>, implemented by <typeparamref name="TGrain"/>.
    /// Each grain interface (grain type) may be registered once; startup fails on a duplicate.</summary>
    ISiloBuilder AddGrain<TInterface, TGrain>()
        where TInterface : IGrain
        where TGrain : Grain, TInterface;

    /// <summary>Changes the silo's options (after any configuration binding).</summary>
    ISiloBuilder Configure(Action<SiloOptions> configure);

    /// <summary>Changes the membership and failure-detection timings (after any configuration binding).</summary>
    ISiloBuilder ConfigureMembership(Action<MembershipOptions> configure);
}
