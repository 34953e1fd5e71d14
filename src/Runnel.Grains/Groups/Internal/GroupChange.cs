namespace Runnel.Grains.Internal;

/// <summary>
/// One state change of a consumer group, as it is logged: each change sets a piece of state to a value (never "add
/// one"), so replaying the log from any snapshot onwards rebuilds exactly the state the live grain had.
/// </summary>
internal abstract record GroupChange;

/// <summary>The member is now exactly this (joined, epoch or assignment changed, subscription changed, left temporarily).</summary>
internal sealed record MemberUpserted(GroupMember Member) : GroupChange;

/// <summary>The member is gone (left, session expired, max poll interval exceeded, replaced by its instance's new member).</summary>
internal sealed record MemberRemoved(string MemberId) : GroupChange;

/// <summary>The group epoch is now this (membership or subscriptions or partition counts changed).</summary>
internal sealed record GroupEpochChanged(int GroupEpoch) : GroupChange;

/// <summary>The target assignment is now this.</summary>
internal sealed record TargetChanged(TargetAssignment Target) : GroupChange;

/// <summary>These committed offsets are now these values (a commit, or an admin reset when <see cref="Reset"/>).</summary>
internal sealed record OffsetsCommitted(IReadOnlyList<CommittedOffset> Offsets, bool Reset) : GroupChange;

/// <summary>The offsets a transactional producer committed inside its open transaction are now exactly these (pending
/// until its coordinator completes the transaction). <see cref="ProducerEpoch"/> is the producer's epoch in it.</summary>
internal sealed record TransactionalOffsetsPending(long ProducerId, short ProducerEpoch, string TransactionalId, IReadOnlyList<CommittedOffset> Offsets) : GroupChange;

/// <summary>The producer's transaction ended (its coordinator's marker): it has no pending offsets, and the epoch this group
/// knows for it is now <see cref="ProducerEpoch"/> (older ones are fenced). A commit logs the offsets it makes committed
/// as <see cref="OffsetsCommitted"/> in the same batch, before this.</summary>
internal sealed record TransactionEnded(long ProducerId, short ProducerEpoch) : GroupChange;
