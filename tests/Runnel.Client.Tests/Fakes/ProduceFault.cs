namespace Runnel.Client.Tests.Fakes;

/// <summary>What the fake partition does to one produce request.</summary>
public enum ProduceFault
{
    /// <summary>Nothing: append normally.</summary>
    None,

    /// <summary>Append, then fail with OutcomeUnknown (the response was lost).</summary>
    LoseResponse,

    /// <summary>Fail with NotOwner before appending (the partition moved).</summary>
    NotOwner,

    /// <summary>Fail with OutOfOrderSequence before appending.</summary>
    OutOfOrderSequence,
}
