using Runnel.Runtime.Placement;

namespace Runnel.Runtime.Membership;

/// <summary>One installed membership view: the table as read (or written) and the placement computed from it.</summary>
internal sealed record MembershipSnapshot(MembershipTable Table, PlacementView Placement)
{
    public long Version => Table.Version;
}

/// <summary>
/// What the rest of the silo needs to know of membership, without depending on the service that maintains it: this
/// silo's identity, the current view, whether the silo may serve. Written by the membership service; read on every
/// call. Thread-safe (the snapshot is swapped atomically; readers see one whole view).
/// </summary>
internal sealed class SiloState
{
    private volatile MembershipSnapshot? _snapshot;
    private volatile bool _isFatal;
    private volatile bool _isKilled;

    /// <summary>Raised after a newer view is installed, on the installing thread.</summary>
    public event Action<MembershipSnapshot>? ViewChanged;

    /// <summary>This silo's identity; null until it has joined.</summary>
    public SiloAddress? Self { get; set; }

    public MembershipSnapshot? Snapshot => _snapshot;

    public PlacementView? Placement => _snapshot?.Placement;

    /// <summary>True once the silo read itself dead (or missing): it refuses all grain calls while it exits.</summary>
    public bool IsFatal
    {
        get => _isFatal;
        set => _isFatal = value;
    }

    /// <summary>True once the silo was killed (test clusters): no more store writes, no more calls.</summary>
    public bool IsKilled
    {
        get => _isKilled;
        set => _isKilled = value;
    }

    /// <summary>False while the store has been unreachable for longer than the configured bound.</summary>
    public Func<bool> IsStoreHealthy { get; set; } = static () => true;

    /// <summary>Reads the store for a view at least this new (bounded; never throws for store errors).</summary>
    public Func<long, CancellationToken, Task> Refresh { get; set; } = static (_, _) => Task.CompletedTask;

    /// <summary>Installs <paramref name="snapshot"/> and raises <see cref="ViewChanged"/> (the caller checked it is newer).</summary>
    public void Publish(MembershipSnapshot snapshot)
    {
        _snapshot = snapshot;
        ViewChanged?.Invoke(snapshot);
    }
}
