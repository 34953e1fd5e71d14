namespace Runnel.Grains.Internal;

/// <summary>Orders partitions by topic (ordinal), then partition number.</summary>
internal sealed class PartitionOrder : IComparer<GroupPartition>
{
    public static readonly PartitionOrder Instance = new();

    public int Compare(GroupPartition? x, GroupPartition? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var byTopic = string.CompareOrdinal(x.Topic, y.Topic);
        return byTopic != 0 ? byTopic : x.Partition.CompareTo(y.Partition);
    }
}
