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

    /// <summary>Fail with OutcomeUnknown without appending (the request timed out before it was handled), at once.</summary>
    Unanswered,

    /// <summary>Fail with a non-retriable InvalidArgument without appending, at once.</summary>
    Reject,

    /// <summary>Forget every producer's state first (as a partition whose producer records were deleted), then handle the
    /// request normally.</summary>
    ForgetProducers,
}
