namespace Runnel.Chaos.History;

/// <summary>A group offset commit the cluster acknowledged: from now on the group resumes <paramref name="Partition"/> at
/// <paramref name="Offset"/> (the next offset to read). <paramref name="Order"/> is the order in which the
/// acknowledgements arrived, over the whole group; <paramref name="Seconds"/> the run time of the acknowledgement.</summary>
internal sealed record Commit(long Order, int Partition, long Offset, double Seconds = 0);
