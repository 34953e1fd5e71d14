namespace Runnel.Chaos.Checking;

/// <summary>
/// What <see cref="HistoryChecker"/> found. Each count is a number of violations (0 when the invariant holds);
/// <see cref="Violations"/> describes the first few of each kind for the report.
/// </summary>
internal sealed record CheckResult
{
    /// <summary>Acknowledged records.</summary>
    public int Acked { get; init; }

    /// <summary>Acknowledged records found nowhere in the final logs.</summary>
    public int Lost { get; init; }

    /// <summary>Acknowledged records found, but not at the offset their acknowledgement named.</summary>
    public int Misplaced { get; init; }

    /// <summary>Extra copies: a record id found n times counts n - 1.</summary>
    public int Duplicates { get; init; }

    /// <summary>Acknowledged records that sit before an earlier-produced record of the same producer and key.</summary>
    public int Reordered { get; init; }

    /// <summary>Holes in a partition's offsets (between log start and high watermark), counted per missing run.</summary>
    public int Gaps { get; init; }

    /// <summary>Records the consumer received that the final log holds differently (another record at that offset, or
    /// no record there): the cluster showed something it later lost.</summary>
    public int DivergentReads { get; init; }

    /// <summary>Group commits lower than an earlier acknowledged commit of the same partition (null: not checked).</summary>
    public int? CommitRegressions { get; init; }

    /// <summary>Offsets below a partition's last committed offset that no group member received (null: not checked).</summary>
    public int? Undelivered { get; init; }

    /// <summary>Records in the final logs that were never acknowledged (their produce failed or its outcome was unknown):
    /// allowed, reported for information.</summary>
    public int UnackedPresent { get; init; }

    /// <summary>The first few violations of each kind, in words.</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    /// <summary>True when every checked invariant holds.</summary>
    public bool Passed =>
        Lost == 0 && Misplaced == 0 && Duplicates == 0 && Reordered == 0 && Gaps == 0 && DivergentReads == 0
        && CommitRegressions is null or 0 && Undelivered is null or 0;
}
