namespace Runnel;

/// <summary>
/// Marks a grain method that may run at the same time as any call to the same activation: other calls of this method,
/// read-only calls, exclusive calls and timer ticks (truly in parallel, on different threads). Such a call starts as
/// soon as it arrives at an activation that has finished <c>OnActivateAsync</c>, without waiting for the turn in
/// progress or for items queued before it, so it also gives up mailbox order. Deactivation waits for every such call
/// in flight before <c>OnDeactivateAsync</c> runs, and none starts after deactivation has begun.
/// </summary>
/// <remarks>
/// The grain does the locking: a method marked so must be thread-safe against every other method of the grain.
/// Use it for calls that wait on something outside the grain and gain from overlapping, e.g. produce requests that the
/// partition log group-commits. Takes precedence over <see cref="ReadOnlyAttribute"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AlwaysInterleaveAttribute : Attribute;
