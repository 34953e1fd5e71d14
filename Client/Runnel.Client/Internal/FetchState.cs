using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <summary>A consumer's state for one assigned partition. Guarded by the consumer's lock.</summary>
internal sealed class FetchState(TopicPartition partition, IPartitionGrain grain)
{
    public TopicPartition Partition { get; } = partition;

    public IPartitionGrain Grain { get; } = grain;

    /// <summary>The next offset to hand to the application, or a special <see cref="Offset"/> until resolved.</summary>
    public long Position { get; set; } = Offset.UnsetValue;

    /// <summary>Where the next fetch starts (runs ahead of <see cref="Position"/> while a chunk is buffered).</summary>
    public long FetchOffset { get; set; } = Offset.UnsetValue;

    /// <summary>Bumped by every seek: fetch results and chunks of an older version are dropped.</summary>
    public int Version { get; set; }

    /// <summary>The version of the fetch in flight, or -1.</summary>
    public int FetchingVersion { get; set; } = -1;

    public CancellationTokenSource? FetchCancellation { get; set; }

    public bool Paused { get; set; }

    public bool Assigned { get; set; } = true;

    /// <summary>How many fetched chunks of the current version wait in the consumer's queue. The next fetch starts
    /// while fewer than <see cref="MaxBuffered"/> wait (fetch pipelining: the partition's next fetch is on the wire
    /// while the application works through the last one).</summary>
    public int Buffered { get; set; }

    /// <summary>Chunks buffered per partition before fetching pauses: bounds the memory to this many
    /// <see cref="ConsumerOptions.FetchMaxBytes"/> per partition.</summary>
    public const int MaxBuffered = 3;

    /// <summary>Chunks taken while the partition was paused, to hand out again on resume.</summary>
    public Queue<FetchedChunk> Parked { get; } = new();

    public long HighWatermark { get; set; } = -1;

    /// <summary>With a segment store: offsets from here on were in the active segment when last asked, so they are
    /// fetched through the grain without asking where they are first. <see cref="long.MaxValue"/> until then.</summary>
    public long ActiveSegmentFrom { get; set; } = long.MaxValue;
}
