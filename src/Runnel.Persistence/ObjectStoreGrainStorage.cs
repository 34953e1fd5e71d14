using Microsoft.Extensions.Logging;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Runnel.Persistence.Internal;
using Runnel.Storage;

namespace Runnel.Persistence;

/// <summary>
/// Orleans grain storage (<see cref="IGrainStorage"/>) on Runnel's <see cref="IObjectStore"/>: each grain state is one
/// block blob holding the bytes of <see cref="RunnelGrainStorageOptions.GrainStorageSerializer"/>, and every write or
/// clear is conditional on the ETag the grain last saw, so the file store and Azure Blob Storage give one model.
/// </summary>
/// <remarks>
/// <para>Blob names: <see cref="GetBlobName"/> (<c>{prefix}/{storage}/{grain type}/{grain key}/{state name}</c>, each
/// component escaped so that any grain id maps to a valid, distinct name on every store).</para>
/// <para>Conditions: a write of a grain that holds no ETag creates the blob only if it does not exist
/// (<see cref="BlobCondition.IfNotExists"/>); otherwise it replaces it only if its ETag still matches. A failed
/// condition means another activation (or a tool) changed the state since this one read it: it surfaces as Orleans'
/// <see cref="InconsistentStateException"/> (stored ETag: what the store holds now, or null when the blob is gone;
/// current ETag: the grain's), on which Orleans deactivates the stale activation. Nothing is written then.</para>
/// <para>Other storage failures propagate as Runnel's typed <see cref="StorageException"/>s (throttled, unavailable,
/// ...), untranslated: they are not conflicts, and the store already retried what it could.</para>
/// <para>Each call is one storage round trip (two when a condition fails: the stored ETag is read for the exception).
/// Thread-safe; holds no per-grain state.</para>
/// </remarks>
public sealed partial class ObjectStoreGrainStorage : IGrainStorage
{
    private readonly string _name;
    private readonly RunnelGrainStorageOptions _options;
    private readonly IObjectStore _store;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;

    /// <param name="name">The storage's name (the one grains give in <c>[PersistentState(stateName, name)]</c>); part of every blob name.</param>
    /// <param name="options">Validated options; <see cref="RunnelGrainStorageOptions.GrainStorageSerializer"/> must be set.</param>
    /// <param name="store">Where state lives.</param>
    /// <param name="activators">Creates the default state of a grain whose state is absent.</param>
    /// <param name="logger">Per-operation Trace, conflicts Warning.</param>
    public ObjectStoreGrainStorage(string name, RunnelGrainStorageOptions options, IObjectStore store, IActivatorProvider activators, ILogger<ObjectStoreGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _options = options;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _serializer = options.GrainStorageSerializer
            ?? throw new ArgumentException($"{nameof(RunnelGrainStorageOptions)}.{nameof(options.GrainStorageSerializer)} is not set (grain storage '{name}').", nameof(options));
        _activators = activators ?? throw new ArgumentNullException(nameof(activators));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The blob that holds state <paramref name="stateName"/> of grain <paramref name="grainId"/> in this storage.</summary>
    public string GetBlobName(string stateName, Orleans.Runtime.GrainId grainId) =>
        GrainStateBlobNames.BlobName(_options.BlobPrefix, _name, stateName, grainId);

    public Task ReadStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <summary>
    /// Reads the state and its ETag. An absent blob gives the default state (<see cref="IActivatorProvider"/>), a null
    /// ETag and <c>RecordExists = false</c>; an empty blob (a tombstone left by a clear) gives the default state and
    /// <c>RecordExists = false</c> but keeps its ETag, so the next write is conditional on it.
    /// </summary>
    /// <exception cref="StorageException">The store failed (not for an absent blob).</exception>
    public async Task ReadStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blob = GetBlobName(stateName, grainId);
        var content = await _store.TryGetAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            grainState.State = CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            LogRead(_logger, blob, null, false);
            return;
        }

        var state = content.Content.IsEmpty ? default : _serializer.Deserialize<T>(content.Content);
        grainState.State = state ?? CreateInstance<T>();
        grainState.ETag = content.Properties.ETag.Value;
        grainState.RecordExists = state is not null;
        LogRead(_logger, blob, grainState.ETag, grainState.RecordExists);
    }

    public Task WriteStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <summary>Writes the state if the stored ETag is still the grain's (or, for a grain with no ETag, if there is no
    /// blob), and gives the grain the new ETag.</summary>
    /// <exception cref="InconsistentStateException">The stored state changed since this grain read or wrote it; nothing was written.</exception>
    /// <exception cref="StorageException">The store failed otherwise.</exception>
    public async Task WriteStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blob = GetBlobName(stateName, grainId);
        var content = _serializer.Serialize(grainState.State).ToMemory();
        var result = await ConditionalAsync(
            blob,
            grainState.ETag,
            "write",
            static (store, blob, content, condition, ct) => store.PutAsync(blob, content, condition, ct),
            content,
            cancellationToken).ConfigureAwait(false);
        grainState.ETag = result.ETag.Value;
        grainState.RecordExists = true;
        LogWritten(_logger, blob, grainState.ETag, content.Length);
    }

    public Task ClearStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <summary>
    /// Clears the state under the same condition as a write: deletes the blob (ETag becomes null) when
    /// <see cref="RunnelGrainStorageOptions.DeleteStateOnClear"/>, else replaces it with an empty tombstone (ETag becomes
    /// the tombstone's). Either way the grain gets the default state and <c>RecordExists = false</c>. Clearing a grain
    /// that holds no ETag when no blob exists does nothing.
    /// </summary>
    /// <exception cref="InconsistentStateException">The stored state changed since this grain read or wrote it; nothing was cleared.</exception>
    /// <exception cref="StorageException">The store failed otherwise.</exception>
    public async Task ClearStateAsync<T>(string stateName, Orleans.Runtime.GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blob = GetBlobName(stateName, grainId);
        if (!_options.DeleteStateOnClear)
        {
            var tombstone = await ConditionalAsync(
                blob,
                grainState.ETag,
                "clear",
                static (store, blob, content, condition, ct) => store.PutAsync(blob, content, condition, ct),
                ReadOnlyMemory<byte>.Empty,
                cancellationToken).ConfigureAwait(false);
            grainState.ETag = tombstone.ETag.Value;
        }
        else if (string.IsNullOrEmpty(grainState.ETag))
        {
            // Nothing this grain knows of to delete. The store has no "delete if absent", so check: a blob here was
            // written by someone else since this grain read "absent".
            var stored = await _store.TryGetPropertiesAsync(blob, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                throw Inconsistent(blob, "clear", stored.ETag.Value, grainState.ETag, cause: null);
            }
        }
        else
        {
            await ConditionalAsync(
                blob,
                grainState.ETag,
                "clear",
                static async (store, blob, _, condition, ct) =>
                {
                    await store.DeleteAsync(blob, condition, ct).ConfigureAwait(false);
                    return default(BlobWriteResult);
                },
                ReadOnlyMemory<byte>.Empty,
                cancellationToken).ConfigureAwait(false);
            grainState.ETag = null;
        }

        grainState.State = CreateInstance<T>();
        grainState.RecordExists = false;
        LogCleared(_logger, blob, grainState.ETag);
    }

    /// <summary>Runs <paramref name="operation"/> under the condition <paramref name="etag"/> implies, turning a failed
    /// condition (or a blob gone from under an ETag) into <see cref="InconsistentStateException"/>.</summary>
    private async Task<BlobWriteResult> ConditionalAsync(
        string blob,
        string? etag,
        string operation,
        Func<IObjectStore, string, ReadOnlyMemory<byte>, BlobCondition, CancellationToken, ValueTask<BlobWriteResult>> run,
        ReadOnlyMemory<byte> content,
        CancellationToken cancellationToken)
    {
        var condition = string.IsNullOrEmpty(etag) ? BlobCondition.IfNotExists : BlobCondition.IfETagMatches(new ETag(etag));
        StorageException conflict;
        try
        {
            return await run(_store, blob, content, condition, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            conflict = ex;
        }
        catch (BlobNotFoundException ex)
        {
            // A conditional delete of a blob someone else deleted: the grain's ETag names a state that is gone.
            conflict = ex;
        }

        var stored = await _store.TryGetPropertiesAsync(blob, cancellationToken).ConfigureAwait(false);
        throw Inconsistent(blob, operation, stored?.ETag.Value, etag, conflict);
    }

    private InconsistentStateException Inconsistent(string blob, string operation, string? storedETag, string? currentETag, StorageException? cause)
    {
        LogConflict(_logger, operation, blob, storedETag ?? "(none)", currentETag ?? "(none)");
        return new InconsistentStateException(
            $"Grain storage '{_name}': {operation} of blob '{blob}' refused: the stored state changed since this activation read it (stored ETag {storedETag ?? "none"}, this activation's {currentETag ?? "none"}).",
            storedETag,
            currentETag,
            cause);
    }

    private T CreateInstance<T>() => _activators.GetActivator<T>().Create();
}
