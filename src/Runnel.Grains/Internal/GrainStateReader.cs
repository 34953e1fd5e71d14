using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Runnel.Grains.State;
using Runnel.Storage;

namespace Runnel.Grains.Internal;

/// <summary>
/// Reads the grains' persisted state straight from grain storage <c>runnel</c>, without activating (or calling) the
/// grain that owns it: a partition checking its topic while the topic grain is busy deleting it, the retention sweep,
/// the catalogs' listings. Each read is one storage round trip (two for a topic not yet migrated from the legacy
/// layout). Thread-safe.
/// </summary>
internal sealed class GrainStateReader(IServiceProvider services, IObjectStore store)
{
    private IGrainStorage? _storage;

    private IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(GrainsHostingExtensions.GrainStorageName);

    /// <summary>A topic's metadata: its grain state, else (a data directory written before topics had grain state, and
    /// the topic's grain not activated since) the legacy blob <c>topics/{topic}/meta</c>; null when neither exists.</summary>
    public async ValueTask<TopicMetadata?> ReadTopicAsync(string topic, CancellationToken cancellationToken)
    {
        var state = await ReadAsync<TopicGrainState>(TopicGrainState.StateName, GrainId.Create(TopicGrain.GrainTypeName, topic));
        if (state.RecordExists)
        {
            return state.State!.ToMetadata(topic);
        }

        var (legacy, _) = await TopicMetadata.ReadAsync(store, topic, cancellationToken).ConfigureAwait(false);
        return legacy;
    }

    /// <summary>A catalog's names as stored now (empty when it has no state yet).</summary>
    public async ValueTask<IReadOnlyCollection<string>> ReadCatalogAsync(string grainType)
    {
        var state = await ReadAsync<CatalogGrainState>(CatalogGrainState.StateName, GrainId.Create(grainType, RunnelCluster.SingletonKey));
        return state.RecordExists ? state.State!.Entries.Keys : [];
    }

    /// <summary>A transactional id's coordinator state as stored now; null when it was never initialized.</summary>
    public async ValueTask<TransactionCoordinatorState?> ReadTransactionAsync(string transactionalId)
    {
        var state = await ReadAsync<TransactionCoordinatorState>(TransactionCoordinatorState.StateName, GrainId.Create(TransactionCoordinatorGrain.GrainTypeName, transactionalId));
        return state.RecordExists ? state.State : null;
    }

    private async ValueTask<GrainState<T>> ReadAsync<T>(string stateName, GrainId grainId)
    {
        var state = new GrainState<T>();
        await Storage.ReadStateAsync(stateName, grainId, state).ConfigureAwait(false);
        return state;
    }
}
