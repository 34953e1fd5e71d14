namespace Runnel.Runtime.Internal;

/// <summary>The default <see cref="IFatalErrorHandler"/>: ends the process at once with
/// <see cref="Environment.FailFast(string)"/> (no finalizers, no graceful stop: a silo the cluster declared dead
/// must not write another byte).</summary>
internal sealed class FailFastFatalErrorHandler : IFatalErrorHandler
{
    public void OnFatalError(SiloAddress silo, string reason) => Environment.FailFast($"Runnel silo {silo}: {reason}");
}
