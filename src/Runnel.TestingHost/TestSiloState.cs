namespace Runnel.TestingHost;

/// <summary>Where a <see cref="TestSilo"/> is in its life.</summary>
public enum TestSiloState
{
    /// <summary>Started and connected.</summary>
    Running,

    /// <summary>Cut off from the store and every peer and client, but still running (a zombie).</summary>
    Paused,

    /// <summary>Stopped gracefully.</summary>
    Stopped,

    /// <summary>Killed (no goodbye), or stopped itself through its fatal-error handler.</summary>
    Killed,
}
