namespace Runnel.Client;

/// <summary>A consumer's place in its group, for committing its offsets inside a producer's transaction
/// (<see cref="IProducer{TKey, TValue}.SendOffsetsToTransactionAsync"/>); from <see cref="IConsumer{TKey, TValue}.GroupMetadata"/>.
/// The group refuses the commit when <see cref="MemberEpoch"/> is stale (<see cref="RunnelErrorCode.FencedMember"/>), so a
/// consumer that lost its partitions to a rebalance cannot commit them.</summary>
/// <param name="GroupId">The consumer's <see cref="ConsumerOptions.GroupId"/>.</param>
/// <param name="MemberId">Its member id in the group; empty for a consumer that assigns its partitions by hand.</param>
/// <param name="MemberEpoch">Its member epoch when the metadata was read.</param>
public sealed record ConsumerGroupMetadata(string GroupId, string MemberId, int MemberEpoch);
