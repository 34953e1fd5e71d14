using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Runnel.Grains.Internal;

/// <summary>
/// Runnel's grain storage as the grains see it: the registered provider, with any <see cref="RunnelException"/> it
/// throws made one a caller can read (<see cref="RunnelGrainErrorFilter.ForTheWire"/>). A grain's state is read while
/// it activates, before any call filter or <c>OnActivateAsync</c> runs, and Orleans answers the waiting calls with that
/// failure (wrapped in an <see cref="OrleansException"/>, which <see cref="RunnelCallErrorFilter"/> unwraps): the
/// store's own exception types have no serializer.
/// </summary>
internal sealed class WireSafeGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>The provider takes part in the silo's lifecycle (Orleans' Azure blob provider creates its container) as
    /// if registered undecorated.</summary>
    public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);

    /// <summary>Replaces the last registration of grain storage <paramref name="name"/> by this decorator around it.</summary>
    public static void Decorate(IServiceCollection services, string name)
    {
        var registered = services.Last(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, name));
        var factory = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"Grain storage '{name}' is registered without a factory; Runnel cannot decorate it.");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new WireSafeGrainStorage((IGrainStorage)factory(sp, key)));
    }

    private static async Task RunAsync(Task operation)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (RunnelException ex)
        {
            throw RunnelGrainErrorFilter.ForTheWire(ex);
        }
    }
}
