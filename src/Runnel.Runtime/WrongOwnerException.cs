namespace Runnel.Runtime;

/// <summary>
/// A silo refused a grain call because, under its view of the cluster, another silo owns the grain
/// (<see cref="RunnelErrorCode.WrongOwner"/>). Routing callers (<see cref="Client.RunnelClient"/> and grains calling
/// grains) act on it themselves: they refresh their view to at least <see cref="ViewVersion"/> and retry at the new
/// owner, at most twice; only then does it reach application code. Always retriable; the call did not run.
/// </summary>
public sealed class WrongOwnerException : RunnelException
{
    public WrongOwnerException(long viewVersion, string? owner, string message)
        : base(RunnelErrorCode.WrongOwner, message, isRetriable: true)
    {
        ViewVersion = viewVersion;
        Owner = owner;
    }

    /// <summary>The version of the refusing silo's view.</summary>
    public long ViewVersion { get; }

    /// <summary>The owner under that view (a <see cref="SiloAddress"/> string), or null when no silo is Active in it.</summary>
    public string? Owner { get; }
}
