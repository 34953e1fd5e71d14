namespace Runnel.Runtime;

/// <summary>
/// A silo's status in the membership table. Statuses only move forward (Joining → Active → ShuttingDown → Dead, any
/// of them straight to Dead); Dead is terminal: a restarted process joins as a new generation.
/// </summary>
public enum SiloStatus
{
    /// <summary>Not a status a row holds (the default value).</summary>
    None = 0,

    /// <summary>Written into the table, not serving yet; owns no grains.</summary>
    Joining = 1,

    /// <summary>Serving: grains are placed on Active silos only.</summary>
    Active = 2,

    /// <summary>Stopping gracefully: owns no grains any more, deactivating the ones it had.</summary>
    ShuttingDown = 3,

    /// <summary>Gone (left, or declared dead by its peers). A silo that reads itself Dead exits.</summary>
    Dead = 4,
}
