using Microsoft.Extensions.DependencyInjection;
using Runnel.Runtime.Internal;

namespace Runnel.Runtime.Hosting;

internal sealed class SiloBuilder(IServiceCollection services) : ISiloBuilder
{
    public IServiceCollection Services { get; } = services;

    public ISiloBuilder AddGrain<TInterface, TGrain>()
        where TInterface : IGrain
        where TGrain : Grain, TInterface
    {
        Services.AddSingleton(new GrainRegistration(typeof(TInterface), typeof(TGrain)));
        return this;
    }

    public ISiloBuilder Configure(Action<SiloOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    public ISiloBuilder ConfigureMembership(Action<MembershipOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}
