using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Runnel.Persistence.Hosting;
using Runnel.Storage;

namespace Runnel.Persistence.Tests.Contract;

/// <summary>
/// Grain storages built the way a silo builds them: <c>AddRunnelGrainStorage</c> on a silo builder, resolved from the
/// (not started) host's services, so the serializer and activators are Orleans' defaults.
/// </summary>
internal sealed class GrainStorages : IDisposable
{
    private readonly ServiceProvider _services;

    public GrainStorages(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            // Resolving grain storage pulls in services (via the serializer) that want a membership table.
            silo.UseLocalhostClustering();
            configure(silo);
        });
        _services = builder.Services.BuildServiceProvider();
    }

    public IServiceProvider Services => _services;

    public static GrainStorages For(IObjectStore store, string name, Action<RunnelGrainStorageOptions>? configure = null) =>
        new(silo => silo.AddRunnelGrainStorage(name, store, configure));

    public IGrainStorage Get(string name) => _services.GetRequiredKeyedService<IGrainStorage>(name);

    public void Dispose() => _services.Dispose();
}
