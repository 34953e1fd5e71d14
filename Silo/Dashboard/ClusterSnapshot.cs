namespace Runnel.Silo.Dashboard;

/// <summary>
/// What the dashboard shows, as <c>/api/cluster</c> answers it (camelCase JSON): the silos from Orleans membership, every
/// topic summarized (partition count, retained records, produce rate), every consumer group with its members and lag.
/// Partition owners are not here: they are a topic's detail (<see cref="TopicDetail"/>), asked one topic at a time.
/// </summary>
/// <param name="TakenAt">When the snapshot was built (it is reused for <see cref="ClusterSnapshotSource.MaxAge"/>).</param>
/// <param name="Silo">The name of the silo that answered.</param>
/// <param name="DeadSilos">Membership entries of silos declared dead (not listed).</param>
/// <param name="PartitionsSampled">Partitions whose watermarks this snapshot read.</param>
/// <param name="Truncated">True when topics beyond <see cref="ClusterSnapshotSource.MaxSampledPartitions"/> partitions
/// were listed without their watermarks.</param>
internal sealed record ClusterSnapshot(
    DateTimeOffset TakenAt,
    string Silo,
    IReadOnlyList<SiloView> Silos,
    int DeadSilos,
    IReadOnlyList<TopicView> Topics,
    IReadOnlyList<GroupView> Groups,
    int PartitionsSampled,
    bool Truncated);

/// <param name="Status">Orleans' status: Joining, Active, ShuttingDown, Stopping (dead ones are left out).</param>
/// <param name="Partitions">Partition grains active on the silo; null when its statistics did not answer.</param>
/// <param name="Activations">Every grain activation on the silo; null when its statistics did not answer.</param>
internal sealed record SiloView(string Name, string Address, string Status, string HostName, DateTimeOffset StartedAt, int? Partitions, int? Activations, bool IsLocal);

/// <param name="Records">Records retained (high watermark minus log start, summed); null when not sampled.</param>
/// <param name="EndOffsets">The partitions' high watermarks summed (records ever produced); null when not sampled.</param>
/// <param name="RecordsPerSecond">Produce rate since the previous snapshot of this silo; null on the first.</param>
/// <param name="Error">Why the topic could not be described (deleted meanwhile, store errors); null when it was.</param>
internal sealed record TopicView(string Name, int Partitions, long? Records, long? EndOffsets, double? RecordsPerSecond, string? Error);

/// <param name="Lag">Records between the group's committed offsets and the high watermarks, over the partitions it
/// committed (a partition with no commit has no lag).</param>
internal sealed record GroupView(string Id, string State, int Epoch, string Assignor, IReadOnlyList<MemberView> Members, long Lag, IReadOnlyList<GroupTopicLag> Topics, string? Error);

internal sealed record MemberView(string MemberId, string ClientId, string? InstanceId, int Partitions);

/// <param name="Lag">The lag summed over the topic's partitions the group committed; null when it committed none.</param>
/// <param name="Partitions">Partitions of the topic the group committed or a member owns.</param>
internal sealed record GroupTopicLag(string Topic, long? Lag, int Partitions);

/// <summary>One topic with its partitions, their watermarks and owners (<c>/api/topics/{name}</c>).</summary>
/// <param name="Truncated">True when the topic has more than <see cref="ClusterSnapshotSource.MaxDetailPartitions"/>
/// partitions: only the first are listed.</param>
internal sealed record TopicDetail(string Name, int PartitionCount, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, string> Config, IReadOnlyList<PartitionView> Partitions, bool Truncated);

/// <param name="Owner">The silo (<c>address:port</c>) whose activation serves the partition; null when it is not active.</param>
internal sealed record PartitionView(int Partition, long LogStartOffset, long HighWatermark, string? Owner);
