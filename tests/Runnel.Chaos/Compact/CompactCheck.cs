namespace Runnel.Chaos.Compact;

/// <summary>What <see cref="CompactChecker"/> found; each count is a number of violations except <see cref="Keys"/>.</summary>
internal sealed record CompactCheck
{
    /// <summary>Keys with at least one acknowledged write.</summary>
    public int Keys { get; init; }

    /// <summary>Keys whose latest acknowledged write was a value and that have no record left at all.</summary>
    public int Missing { get; init; }

    /// <summary>Keys whose latest surviving record is older than their latest acknowledged write (an older value came
    /// back, or a kept record is not the latest).</summary>
    public int Stale { get; init; }

    /// <summary>Keys whose latest surviving record sits at the latest acknowledged write's offset but is not that write
    /// (another value, or a value where a tombstone was written).</summary>
    public int WrongValue { get; init; }

    /// <summary>Stored batches whose CRC does not match.</summary>
    public int CrcFailures { get; init; }

    /// <summary>Records whose offset is not above the previous record's in their partition.</summary>
    public int OffsetRegressions { get; init; }

    /// <summary>The first few violations of each kind, in words.</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    public bool Passed => Missing == 0 && Stale == 0 && WrongValue == 0 && CrcFailures == 0 && OffsetRegressions == 0;
}
