using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Runnel.Grains.Internal;
using Runnel.Grains.State;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// A topic's metadata (<see cref="ITopicGrain"/>): Orleans grain state <see cref="TopicGrainState"/> in grain storage
/// <c>runnel</c>, written only under the ETag this activation last read, so concurrent writers (a second activation
/// during a directory race, an operator's tool) never lose an update: a writer refused with
/// <see cref="InconsistentStateException"/> re-reads and re-applies its change, or fails. Creation is exactly-once
/// the same way: the first write of a name's state is "if none exists".
/// </summary>
/// <remarks>
/// <para>Deletion is two-phase and resumable: the state is first marked deleting (from then on the topic is unknown to
/// every reader), each partition is told to stop (<see cref="IPartitionGrain.RetireAsync"/>), the partitions' blobs are
/// removed, and the state is cleared last. A deletion cut short is finished by the next delete or create of the name.</para>
/// <para>The topic catalog learns of a topic before its state is first written and forgets it after the state is
/// cleared (<see cref="TopicCatalogGrain"/>): a crash between the two writes leaves the catalog a name too many, never
/// one too few.</para>
/// <para>A data directory written before topics had grain state keeps the metadata in the blob
/// <c>topics/{topic}/meta</c>: an activation that finds no state but that blob writes the state from it and deletes the blob.</para>
/// </remarks>
[GrainType(GrainTypeName)]
public sealed partial class TopicGrain(
    [PersistentState(TopicGrainState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<TopicGrainState> state,
    IObjectStore store,
    IOptions<RunnelGrainsOptions> options,
    TimeProvider time,
    ILogger<TopicGrain> logger)
    : Grain, ITopicGrain
{
    /// <summary>The grain type (Orleans' <c>[GrainType]</c>), also the grain storage's name for a topic's state.</summary>
    public const string GrainTypeName = "runnel.topic";

    /// <summary>Kafka's ceiling for one topic is far higher; 10,000 keeps a deletion or a describe bounded.</summary>
    public const int MaxPartitions = 10_000;

    /// <summary>How often a change is re-applied when another writer keeps changing the state under it.</summary>
    private const int MaxCasAttempts = 10;

    private readonly RunnelGrainsOptions _options = options.Value;
    private string? _nameError;

    private string Name => this.GetPrimaryKeyString();

    /// <summary>The metadata as this activation last read or wrote it; null when the topic does not exist.</summary>
    private TopicMetadata? Meta => state.RecordExists ? state.State.ToMetadata(Name) : null;

    private string LegacyMetaBlob => StoragePaths.TopicMeta(Name);

    private ICatalogRegistry Catalog => GrainFactory.GetGrain<ICatalogRegistry>(GrainId.Create(TopicCatalogGrain.GrainTypeName, RunnelCluster.SingletonKey));

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(ActivateAsync(cancellationToken));

    private async Task ActivateAsync(CancellationToken cancellationToken)
    {
        if (!TopicName.IsValid(Name, out _nameError))
        {
            return;
        }

        await MigrateLegacyAsync(cancellationToken);
    }

    /// <summary>Moves the legacy meta blob into the grain state when there is no state: writes the state (if none exists,
    /// so a racing activation's migration or creation wins), then deletes the blob, only if it is unchanged.</summary>
    private async Task MigrateLegacyAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists)
        {
            return;
        }

        var (legacy, etag) = await TopicMetadata.ReadAsync(store, Name, cancellationToken);
        if (legacy is null)
        {
            return;
        }

        state.State = TopicGrainState.From(legacy, incarnation: legacy.WriteId);
        try
        {
            await state.WriteAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadAsync();
            return;
        }

        try
        {
            await store.DeleteAsync(LegacyMetaBlob, BlobCondition.IfETagMatches(etag), cancellationToken);
        }
        catch (Exception ex) when (ex is BlobNotFoundException or PreconditionFailedException)
        {
            // Gone or changed: the state, written now, is what counts from here on.
        }

        LogMigrated(logger, Name);
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
        if (Meta is { IsActive: true })
        {
            throw AlreadyExists();
        }

        if (Meta is not null)
        {
            await FinishDeleteAsync(cancellationToken);
        }

        var created = new TopicGrainState
        {
            PartitionCount = partitions,
            Config = config?.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal),
            CreatedAt = time.GetUtcNow(),
            WriteId = TopicMetadata.NewWriteId(),
        };
        created.Incarnation = created.WriteId;

        // The catalog first: a crash after this leaves it a name whose topic does not exist, which listing leaves out.
        await Catalog.AddAsync(Name, created.Incarnation);
        state.State = created;
        try
        {
            await state.WriteAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadAsync();
            if (state.State.WriteId != created.WriteId)
            {
                // Someone else created it first (or our earlier attempt's lost response made us retry: then it is ours).
                throw Meta is { IsActive: true }
                    ? AlreadyExists()
                    : new RunnelException(RunnelErrorCode.TopicAlreadyExists, $"Topic '{Name}' is being deleted; try again.", isRetriable: true);
            }
        }

        LogCreated(logger, Name, partitions);
        return Meta!.Describe();
    }

    /// <remarks>Reads the grain state (one storage round trip) rather than the activation's copy, so it is current even
    /// if another activation changed it.</remarks>
    public async ValueTask<TopicDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        var meta = await ServiceProvider.GetRequiredService<GrainStateReader>().ReadTopicAsync(Name, cancellationToken);
        return meta is { IsActive: true } ? meta.Describe() : throw UnknownTopic();
    }

    public async ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidName();
        await ReloadAsync(cancellationToken);
        if (Meta is null)
        {
            throw UnknownTopic();
        }

        if (Meta.IsActive)
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

    /// <summary>Applies <paramref name="change"/> to the active topic's metadata by compare-and-swap on the state's
    /// ETag, re-reading and re-applying when another writer got there first.</summary>
    private async ValueTask<TopicMetadata> UpdateAsync(Func<TopicMetadata, TopicMetadata> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var current = Meta is { IsActive: true } active ? active : throw UnknownTopic();
            var next = change(current) with { WriteId = TopicMetadata.NewWriteId() };
            state.State = TopicGrainState.From(next, state.State.Incarnation);
            try
            {
                await state.WriteAsync();
                return next;
            }
            catch (InconsistentStateException)
            {
                await ReloadAsync(cancellationToken);
                if (state.RecordExists && state.State.WriteId == next.WriteId)
                {
                    return Meta!; // our write landed; its response was lost
                }
            }
        }

        throw new RunnelException(
            RunnelErrorCode.PreconditionFailed,
            $"The metadata of topic '{Name}' changed under {MaxCasAttempts} attempts to update it; try again.",
            isRetriable: true);
    }

    /// <summary>Phase two of a deletion (the state says deleting): stop every partition, remove the topic's blobs (a
    /// legacy meta blob among them), clear the state, then take the name out of the catalog. Idempotent: safe to run
    /// again after a crash part way.</summary>
    private async Task FinishDeleteAsync(CancellationToken cancellationToken)
    {
        var meta = Meta ?? throw UnknownTopic();
        var incarnation = state.State.Incarnation;
        // On this activation's scheduler: grain calls (and GrainFactory) need the grain's context, which the thread
        // pool does not have.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, meta.PartitionCount),
            new ParallelOptions { MaxDegreeOfParallelism = _options.DeleteParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (partition, ct) => await GrainFactory.GetGrain<IPartitionGrain>(PartitionKey.Format(Name, partition)).RetireAsync(ct));

        var blobs = new List<string>();
        await foreach (var blob in store.ListAllAsync(StoragePaths.TopicPrefix(Name), cancellationToken: cancellationToken))
        {
            blobs.Add(blob.Name);
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
            await state.ClearAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation finished this deletion (and perhaps created the topic again): its state stands.
            await state.ReadAsync();
        }

        await Catalog.RemoveAsync(Name, incarnation);
        LogDeleted(logger, Name, meta.PartitionCount, blobs.Count);
    }

    private async ValueTask ReloadAsync(CancellationToken cancellationToken)
    {
        await state.ReadAsync();
        await MigrateLegacyAsync(cancellationToken);
    }

    private void ThrowIfInvalidName()
    {
        if (_nameError is not null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTopicName, _nameError);
        }
    }

    private RunnelException UnknownTopic() => new(RunnelErrorCode.UnknownTopic, $"Topic '{Name}' does not exist.");

    private RunnelException AlreadyExists() =>
        new(RunnelErrorCode.TopicAlreadyExists, $"Topic '{Name}' already exists with {Meta?.PartitionCount} partitions.");
}
