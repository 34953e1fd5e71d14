namespace Runnel.Runtime;

/// <summary>Why an activation is being deactivated (passed to <see cref="Grain.OnDeactivateAsync"/>).</summary>
public enum DeactivationReason
{
    /// <summary>No call arrived for the collection age (<see cref="SiloOptions.CollectionAge"/>).</summary>
    Idle,

    /// <summary>The grain asked for it (<see cref="Grain.DeactivateOnIdle"/>).</summary>
    Requested,

    /// <summary>The silo is stopping.</summary>
    Shutdown,

    /// <summary>The membership view changed and another silo owns the grain now (a silo joined, or this one is leaving).</summary>
    OwnerChanged,
}
