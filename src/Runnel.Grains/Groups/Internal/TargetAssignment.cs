namespace Runnel.Grains.Internal;

/// <summary>
/// What every member should own at group epoch <see cref="Epoch"/>, computed by <see cref="Assignor"/> from the
/// members' subscriptions and <see cref="TopicPartitions"/> (the partition counts it saw: a change there bumps the
/// group epoch and a new target is computed).
/// </summary>
internal sealed record TargetAssignment(
    int Epoch,
    GroupAssignor Assignor,
    IReadOnlyDictionary<string, int> TopicPartitions,
    IReadOnlyDictionary<string, IReadOnlyList<GroupPartition>> Members)
{
    public static readonly TargetAssignment Empty = new(0, GroupAssignor.Uniform, new Dictionary<string, int>(), new Dictionary<string, IReadOnlyList<GroupPartition>>());

    public IReadOnlyList<GroupPartition> For(string memberId) => Members.TryGetValue(memberId, out var partitions) ? partitions : [];
}
