namespace Runnel.Runtime.Tests.Grains;

public interface ILifecycleGrain : IGrainWithStringKey
{
    ValueTask<int> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks for deactivation, signals "started:{key}", then waits for "release:{key}".</summary>
    ValueTask DeactivateAfterGateAsync(CancellationToken cancellationToken = default);
}
