using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// A topic's metadata (<see cref="ITopicGrain"/>): the blob <c>topics/{topic}/meta</c>, changed only by compare-and-swap
/// on its ETag, so concurrent writers (a second activation during a placement change, an operator's tool) never lose
/// an update: a writer whose ETag is stale re-reads and re-applies its change, or fails.
/// </summary>
/// <remarks>
/// Deletion is two-phase and resumable: the meta blob is first marked <c>Deleting</c> (from then on the topic is
/// unknown to every reader), each partition is told to stop (<see cref="IPartitionGrain.RetireAsync"/>), the
/// partitions' blobs are removed, and the meta blob goes last. A deletion cut short is finished by the next
/// delete or create of the same name.
/// </remarks>
[GrainType("runnel.topic")]
public sealed partial class TopicGrain(IObjectStore store, IOptions<RunnelGrainsOptions> options, TimeProvider time, ILogger<TopicGrain> logger)
    : Grain, ITopicGrain
{
    /// <summary>Kafka's ceiling for one topic is far higher; 10,000 keeps a deletion or a describe bounded.</summary>
    public const int MaxPartitions = 10_000;

    /// <summary>How often a change is re-applied when another writer keeps changing the meta blob under it.</summary>
    private const int MaxCasAttempts = 10;

    private readonly RunnelGrainsOptions _options = options.Value;
    private TopicMetadata? _meta;
    private ETag _etag;
    private string? _nameError;

    private string Name => this.GetPrimaryKeyString();

    private string MetaBlob => StoragePaths.TopicMeta(Name);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!TopicName.IsValid(Name, out _nameError))
        {
            return;
        }

        (_meta, _etag) = await TopicMetadata.ReadAsync(store, Name, cancellationToken);
    }

    public async ValueTask<TopicDescription> CreateAsync(int partitions, IReadOnlyDictionary<string, string>? config, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        if (partitions is < 1 or > MaxPartitions)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"partitions must be between 1 and {MaxPartitions} (was {partitions}) when creating topic '{Name}'.");
        }

        TopicConfig.Validate(config);
        await ReloadAsync(cancellationToken);
        if (_meta is { IsActive: true })
        {
            throw AlreadyExists();
        }

        if (_meta is not null)
        {
            await FinishDeleteAsync(cancellationToken);
        }

        var meta = new TopicMetadata(
            TopicMetadata.CurrentVersion,
            Name,
            partitions,
            new SortedDictionary<string, string>(config?.ToDictionary(StringComparer.Ordinal) ?? [], StringComparer.Ordinal),
            time.GetUtcNow(),
            TopicState.Active,
            TopicMetadata.NewWriteId());
        try
        {
            var written = await store.PutAsync(MetaBlob, meta.ToJson(), BlobCondition.IfNotExists, cancellationToken);
            (_meta, _etag) = (meta, written.ETag);
        }
        catch (PreconditionFailedException)
        {
            await ReloadAsync(cancellationToken);
            if (_meta?.WriteId != meta.WriteId)
            {
                // Someone else created it first (or our earlier attempt's lost response made us retry: then it is ours).
                throw _meta is { IsActive: true }
                    ? AlreadyExists()
                    : new RunnelException(RunnelErrorCode.TopicAlreadyExists, $"Topic '{Name}' is being deleted; try again.", isRetriable: true);
            }
        }

        LogCreated(logger, Name, partitions);
        return _meta!.Describe();
    }

    /// <remarks>Reads the meta blob (one storage round trip) rather than the activation's copy, so it is current even if
    /// another activation changed it.</remarks>
    public async ValueTask<TopicDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        var (meta, _) = await TopicMetadata.ReadAsync(store, Name, cancellationToken);
        return meta is { IsActive: true } ? meta.Describe() : throw UnknownTopic();
    }

    public async ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        await ReloadAsync(cancellationToken);
        if (_meta is null)
        {
            throw UnknownTopic();
        }

        if (_meta.IsActive)
        {
            await UpdateAsync(m => m with { State = TopicState.Deleting }, cancellationToken);
        }

        await FinishDeleteAsync(cancellationToken);
    }

    public async ValueTask<TopicDescription> AlterConfigAsync(IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var key in changes.Keys.Order(StringComparer.Ordinal))
        {
            if (changes[key] is { } value)
            {
                if (!TopicConfig.TryValidate(key, value, out var error))
                {
                    throw new RunnelException(RunnelErrorCode.InvalidConfig, error);
                }
            }
            else
            {
                TopicConfig.ValidateKey(key);
            }
        }

        var updated = await UpdateAsync(
            m =>
            {
                var config = new SortedDictionary<string, string>(m.Config.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
                foreach (var (key, value) in changes)
                {
                    if (value is null)
                    {
                        config.Remove(key);
                    }
                    else
                    {
                        config[key] = value;
                    }
                }

                return m with { Config = config };
            },
            cancellationToken);
        LogConfigAltered(logger, Name, string.Join(", ", changes.Keys.Order(StringComparer.Ordinal)));
        return updated.Describe();
    }

    public async ValueTask<TopicDescription> AddPartitionsAsync(int totalPartitions, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        var before = 0;
        var updated = await UpdateAsync(
            m =>
            {
                before = m.PartitionCount;
                if (totalPartitions > MaxPartitions)
                {
                    throw new RunnelException(RunnelErrorCode.InvalidArgument, $"totalPartitions must be at most {MaxPartitions} (was {totalPartitions}) for topic '{Name}'.");
                }

                return totalPartitions > m.PartitionCount
                    ? m with { PartitionCount = totalPartitions }
                    : throw new RunnelException(
                        RunnelErrorCode.InvalidArgument,
                        $"totalPartitions must exceed the {m.PartitionCount} partitions topic '{Name}' has (was {totalPartitions}): partitions are only ever added.");
            },
            cancellationToken);
        LogPartitionsAdded(logger, Name, before, totalPartitions);
        return updated.Describe();
    }

    /// <summary>Applies <paramref name="change"/> to the active topic's metadata by compare-and-swap, re-reading and
    /// re-applying when another writer got there first.</summary>
    private async ValueTask<TopicMetadata> UpdateAsync(Func<TopicMetadata, TopicMetadata> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var current = _meta is { IsActive: true } active ? active : throw UnknownTopic();
            var next = change(current) with { WriteId = TopicMetadata.NewWriteId() };
            try
            {
                var written = await store.PutAsync(MetaBlob, next.ToJson(), BlobCondition.IfETagMatches(_etag), cancellationToken);
                (_meta, _etag) = (next, written.ETag);
                return next;
            }
            catch (Exception ex) when (ex is PreconditionFailedException or BlobNotFoundException)
            {
                await ReloadAsync(cancellationToken);
                if (_meta?.WriteId == next.WriteId)
                {
                    return _meta; // our write landed; its response was lost
                }
            }
        }

        throw new RunnelException(
            RunnelErrorCode.PreconditionFailed,
            $"The metadata of topic '{Name}' changed under {MaxCasAttempts} attempts to update it; try again.",
            isRetriable: true);
    }

    /// <summary>Phase two of a deletion (the meta blob says Deleting): stop every partition, remove the topic's blobs,
    /// then the meta blob. Idempotent: safe to run again after a crash part way.</summary>
    private async Task FinishDeleteAsync(CancellationToken cancellationToken)
    {
        var meta = _meta ?? throw UnknownTopic();
        // The calls start on the activation's scheduler (TaskScheduler.Current): a grain reaches its GrainFactory only there.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, meta.PartitionCount),
            new ParallelOptions { MaxDegreeOfParallelism = _options.DeleteParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (partition, ct) => await GrainFactory.GetGrain<IPartitionGrain>(PartitionKey.Format(Name, partition)).RetireAsync(ct))
            ;

        var blobs = new List<string>();
        await foreach (var blob in store.ListAllAsync(StoragePaths.TopicPrefix(Name), cancellationToken: cancellationToken))
        {
            if (blob.Name != MetaBlob)
            {
                blobs.Add(blob.Name);
            }
        }

        await Parallel.ForEachAsync(
            blobs,
            new ParallelOptions { MaxDegreeOfParallelism = _options.DeleteParallelism, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                try
                {
                    await store.DeleteAsync(name, cancellationToken: ct);
                }
                catch (BlobNotFoundException)
                {
                    // Gone already (an earlier attempt).
                }
            });

        try
        {
            await store.DeleteAsync(MetaBlob, BlobCondition.IfETagMatches(_etag), cancellationToken);
        }
        catch (BlobNotFoundException)
        {
        }

        (_meta, _etag) = (null, default);
        LogDeleted(logger, Name, meta.PartitionCount, blobs.Count);
    }

    private async ValueTask ReloadAsync(CancellationToken cancellationToken) =>
        (_meta, _etag) = await TopicMetadata.ReadAsync(store, Name, cancellationToken);

    private void ThrowIfInvalidName()
    {
        if (_nameError is not null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTopicName, _nameError);
        }
    }

    private RunnelException UnknownTopic() => new(RunnelErrorCode.UnknownTopic, $"Topic '{Name}' does not exist.");

    private RunnelException AlreadyExists() =>
        new(RunnelErrorCode.TopicAlreadyExists, $"Topic '{Name}' already exists with {_meta?.PartitionCount} partitions.");
}
