using Runnel.Client;

namespace Runnel.Silo.Dashboard;

/// <summary>
/// Builds <see cref="ClusterSnapshot"/>s for the dashboard and the lag sampler, through the client's admin API over this
/// silo's grain factory (<see cref="RunnelConnection.FromGrainFactory"/>) and Orleans' management grain. A snapshot is
/// reused for <see cref="MaxAge"/>, and callers that arrive while one is built wait for it: however many browsers poll,
/// the cluster is asked at most once a second per silo.
/// </summary>
/// <remarks>Cost of one snapshot: one membership and one grain-statistics call (each fans out to every silo), one describe
/// per topic and one offsets call per partition (at most <see cref="MaxSampledPartitions"/>), one describe per group plus
/// one offsets call per partition it committed. Thread-safe.</remarks>
internal sealed class ClusterSnapshotSource : IDisposable
{
    /// <summary>How long a snapshot is served before the next caller builds a new one: the page polls every 2 s, and
    /// several pages (or the lag sampler) share one build.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>Watermarks are read for at most this many partitions per snapshot (topics in name order); topics past it
    /// show their partition count only. 10,000 offset calls take the silo ~0.1 CPU-s.</summary>
    public const int MaxSampledPartitions = 10_000;

    /// <summary>A topic's detail lists (and looks up the owner of) at most this many partitions.</summary>
    public const int MaxDetailPartitions = 1_000;

    /// <summary>Topics and groups described at once.</summary>
    private const int Concurrency = 8;

    private readonly RunnelConnection _connection;
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _local;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _building = new(1, 1);

    /// <summary>The last snapshot's end offsets per topic (with its partition count), for the produce rate.</summary>
    private Dictionary<string, (int Partitions, long EndOffsets)> _previousEnds = new(StringComparer.Ordinal);
    private ClusterSnapshot? _last;

    public ClusterSnapshotSource(IGrainFactory grains, ILocalSiloDetails local, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _grains = grains;
        _local = local;
        _time = time;
        _connection = RunnelConnection.FromGrainFactory(grains, loggerFactory, time);
    }

    /// <summary>The latest snapshot, built now when the last is older than <see cref="MaxAge"/>.</summary>
    public async Task<ClusterSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_last) is { } fresh)
        {
            return fresh;
        }

        await _building.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(_last) is { } built)
            {
                return built;
            }

            _last = await BuildAsync(cancellationToken).ConfigureAwait(false);
            return _last;
        }
        finally
        {
            _building.Release();
        }
    }

    /// <summary>One topic with its partitions' watermarks and owners (up to <see cref="MaxDetailPartitions"/>).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.UnknownTopic"/>, <see cref="RunnelErrorCode.InvalidTopicName"/>.</exception>
    public async Task<TopicDetail> GetTopicAsync(string topic, CancellationToken cancellationToken)
    {
        var description = await _connection.Admin.DescribeTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var count = Math.Min(description.PartitionCount, MaxDetailPartitions);
        var partitions = new PartitionView[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency * 4, CancellationToken = cancellationToken }, async (p, ct) =>
        {
            var partition = new TopicPartition(topic, p);
            var offsets = await _connection.Admin.GetPartitionOffsetsAsync(partition, ct).ConfigureAwait(false);
            var owner = await _connection.GetPartitionOwnerAsync(partition, ct).ConfigureAwait(false);
            partitions[p] = new PartitionView(p, offsets.LogStartOffset, offsets.HighWatermark, owner);
        }).ConfigureAwait(false);
        return new TopicDetail(description.Name, description.PartitionCount, description.CreatedAt, description.Config, partitions, description.PartitionCount > count);
    }

    public void Dispose() => _building.Dispose();

    private ClusterSnapshot? Fresh(ClusterSnapshot? snapshot) =>
        snapshot is not null && _time.GetUtcNow() - snapshot.TakenAt < MaxAge ? snapshot : null;

    private async Task<ClusterSnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var management = _grains.GetGrain<IManagementGrain>(0);
        var silosTask = ReadSilosAsync(management);
        var topicsTask = ReadTopicsAsync(cancellationToken);
        var groupsTask = ReadGroupsAsync(cancellationToken);
        var (silos, dead) = await silosTask.ConfigureAwait(false);
        var (topics, sampled, truncated) = await topicsTask.ConfigureAwait(false);
        var groups = await groupsTask.ConfigureAwait(false);
        return new ClusterSnapshot(_time.GetUtcNow(), _local.Name, silos, dead, topics, groups, sampled, truncated);
    }

    private async Task<(IReadOnlyList<SiloView> Silos, int Dead)> ReadSilosAsync(IManagementGrain management)
    {
        var hosts = await management.GetDetailedHosts(onlyActive: false).ConfigureAwait(false);
        Dictionary<SiloAddress, (int Partitions, int Activations)>? counts = null;
        try
        {
            var statistics = await management.GetSimpleGrainStatistics().ConfigureAwait(false);
            counts = statistics.GroupBy(s => s.SiloAddress).ToDictionary(
                g => g.Key,
                g => (g.Where(s => IsPartitionGrain(s.GrainType)).Sum(s => s.ActivationCount), g.Sum(s => s.ActivationCount)));
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // A silo that does not answer its statistics (stopping, hung) leaves the counts unknown; membership still shows it.
        }

        var silos = hosts
            .Where(h => h.Status != SiloStatus.Dead)
            .OrderBy(h => h.SiloName, StringComparer.Ordinal)
            .Select(h =>
            {
                var count = counts is not null && counts.TryGetValue(h.SiloAddress, out var c) ? c : ((int, int)?)null;
                return new SiloView(
                    h.SiloName, h.SiloAddress.Endpoint.ToString(), h.Status.ToString(), h.HostName, h.StartTime,
                    count?.Item1 ?? (counts is null ? null : 0), count?.Item2 ?? (counts is null ? null : 0), h.SiloAddress.Equals(_local.SiloAddress));
            })
            .ToList();
        return (silos, hosts.Count(h => h.Status == SiloStatus.Dead));
    }

    /// <summary>The statistics name a grain by its class's runtime type name (<c>Runnel.Grains.PartitionGrain,Runnel.Grains</c>).</summary>
    private static bool IsPartitionGrain(string grainType) =>
        grainType.StartsWith(typeof(Grains.PartitionGrain).FullName + ",", StringComparison.Ordinal) || grainType == typeof(Grains.PartitionGrain).FullName;

    private async Task<(IReadOnlyList<TopicView> Topics, int Sampled, bool Truncated)> ReadTopicsAsync(CancellationToken cancellationToken)
    {
        var names = await _connection.Admin.ListTopicsAsync(cancellationToken).ConfigureAwait(false);
        var descriptions = new Client.TopicDescription?[names.Count];
        var errors = new string?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                descriptions[i] = await _connection.Admin.DescribeTopicAsync(names[i], ct).ConfigureAwait(false);
            }
            catch (RunnelException ex)
            {
                errors[i] = $"{ex.Code}: {ex.Message}";
            }
        }).ConfigureAwait(false);

        // Watermarks for the topics in name order until the budget is spent.
        var budget = MaxSampledPartitions;
        var sample = new bool[names.Count];
        var truncated = false;
        for (var i = 0; i < names.Count; i++)
        {
            if (descriptions[i] is { } d)
            {
                sample[i] = d.PartitionCount <= budget;
                budget -= sample[i] ? d.PartitionCount : 0;
                truncated |= !sample[i];
            }
        }

        var offsets = new IReadOnlyList<WatermarkOffsets>?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count).Where(i => sample[i]), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                offsets[i] = await _connection.Admin.GetTopicOffsetsAsync(names[i], ct).ConfigureAwait(false);
            }
            catch (RunnelException ex)
            {
                errors[i] = $"{ex.Code}: {ex.Message}";
            }
        }).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var elapsed = _last is null ? (TimeSpan?)null : now - _last.TakenAt;
        var ends = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
        var topics = new List<TopicView>(names.Count);
        var sampled = 0;
        for (var i = 0; i < names.Count; i++)
        {
            var partitions = descriptions[i]?.PartitionCount ?? 0;
            if (offsets[i] is not { } watermarks)
            {
                topics.Add(new TopicView(names[i], partitions, null, null, null, errors[i]));
                continue;
            }

            sampled += watermarks.Count;
            var end = watermarks.Sum(w => w.HighWatermark);
            var records = watermarks.Sum(w => w.HighWatermark - w.LogStartOffset);
            ends[names[i]] = (partitions, end);
            double? rate = elapsed is { TotalSeconds: > 0 } dt && _previousEnds.TryGetValue(names[i], out var previous) && previous.Partitions == partitions
                ? Math.Max(0, end - previous.EndOffsets) / dt.TotalSeconds
                : null;
            topics.Add(new TopicView(names[i], partitions, records, end, rate, errors[i]));
        }

        _previousEnds = ends;
        return (topics, sampled, truncated);
    }

    private async Task<IReadOnlyList<GroupView>> ReadGroupsAsync(CancellationToken cancellationToken)
    {
        var ids = await _connection.Admin.ListGroupsAsync(cancellationToken).ConfigureAwait(false);
        var groups = new GroupView?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                var group = await _connection.Admin.DescribeGroupAsync(ids[i], ct).ConfigureAwait(false);
                var members = group.Members
                    .Select(m => new MemberView(m.MemberId, m.ClientId, m.InstanceId, m.Assigned.Count))
                    .ToList();
                var topics = group.Partitions
                    .GroupBy(p => p.Topic, StringComparer.Ordinal)
                    .Select(t => new GroupTopicLag(t.Key, t.Any(p => p.Lag is not null) ? t.Sum(p => p.Lag ?? 0) : null, t.Count()))
                    .ToList();
                groups[i] = new GroupView(group.GroupId, group.State.ToString(), group.GroupEpoch, group.Assignor.ToString(), members, group.TotalLag, topics, null);
            }
            catch (RunnelException ex) when (ex.Code == RunnelErrorCode.UnknownGroup)
            {
                // Deleted since it was listed.
            }
            catch (RunnelException ex)
            {
                groups[i] = new GroupView(ids[i], "Unknown", 0, "", [], 0, [], $"{ex.Code}: {ex.Message}");
            }
        }).ConfigureAwait(false);
        return [.. groups.OfType<GroupView>()];
    }
}
