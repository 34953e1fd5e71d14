using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Runnel.Clustering.Internal;
using Runnel.Storage;

namespace Runnel.Clustering;

/// <summary>
/// Orleans' membership table kept as one blob in an <see cref="IObjectStore"/> (<c>{BlobPrefix}/{clusterId}/membership</c>),
/// so any store Runnel runs on (the file store on one host, Azure Blob anywhere) can hold a cluster with nothing else to run.
/// </summary>
/// <remarks>
/// <para>Every change is a read-modify-write of the whole blob, committed with <c>If-Match</c> on the ETag just read
/// (<c>If-None-Match: *</c> when the blob does not exist yet): two silos can never both win on the same state. Orleans'
/// own conditions (a row's etag, the table version's etag) are checked on the state read, so a conflicting change
/// returns false without writing. A blob-level conflict that does not touch Orleans' conditions (typically another
/// silo's heartbeat) is retried on the fresh state, up to <see cref="RunnelClusteringOptions.MaxConflictRetries"/> times.</para>
/// <para>Cost: every call is at least one storage round trip, every change two (a read and a conditional write); the
/// blob grows by a few hundred bytes per silo, dead ones included until Orleans' cleanup removes them.</para>
/// <para>Thread-safe; one instance per silo (or per process) is enough.</para>
/// </remarks>
public sealed partial class ObjectStoreMembershipTable : IMembershipTable
{
    private readonly MembershipBlob _blob;
    private readonly IObjectStore _store;
    private readonly RunnelClusteringOptions _options;
    private readonly ILogger _logger;

    public ObjectStoreMembershipTable(IObjectStore store, IOptions<ClusterOptions> clusterOptions, IOptions<RunnelClusteringOptions> options, ILogger<ObjectStoreMembershipTable> logger)
    {
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(options);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options.Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        var clusterId = clusterOptions.Value.ClusterId ?? throw new ArgumentException($"{nameof(ClusterOptions)}.{nameof(ClusterOptions.ClusterId)} is required.", nameof(clusterOptions));
        _blob = new MembershipBlob(store, _options.MembershipBlobName(clusterId));
    }

    /// <summary>The blob this table lives in.</summary>
    public string BlobName => _blob.Name;

    /// <summary>
    /// Makes sure the blob exists when <paramref name="tryInitTableVersion"/> is set (creating an empty table, version 0,
    /// if it is absent; losing that race to another silo is fine), and that it is a table this code can read.
    /// </summary>
    /// <exception cref="StorageCorruptException">The blob holds something else, or a newer format.</exception>
    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken = default)
    {
        var (_, etag) = await _blob.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (etag is null && tryInitTableVersion && await _blob.TryWriteAsync(MembershipDocument.Empty(), expected: null, cancellationToken).ConfigureAwait(false))
        {
            LogCreated(_logger, _blob.Name);
        }
    }

    /// <summary>Deletes the whole table of <paramref name="clusterId"/> (its blob); a missing table is not an error.</summary>
    public Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        return new MembershipBlob(_store, _options.MembershipBlobName(clusterId)).DeleteAsync(cancellationToken).AsTask();
    }

    /// <summary>Removes the rows of silos that are not Active and whose last sign of life (heartbeat or start) is older
    /// than <paramref name="beforeDate"/>. Like Orleans' Azure table, this does not change the table version.</summary>
    /// <exception cref="StorageConflictException">The blob kept changing under
    /// <see cref="RunnelClusteringOptions.MaxConflictRetries"/> attempts in a row.</exception>
    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        var outcome = await MutateAsync(
            document =>
            {
                removed = document.Members.RemoveAll(member =>
                    member.Status != (int)SiloStatus.Active && Max(member.IAmAliveTime, member.StartTime) < beforeDate.UtcDateTime);
                return removed > 0 ? Decision.Write : Decision.Keep;
            },
            cancellationToken).ConfigureAwait(false);
        ThrowIfExhausted(outcome, nameof(CleanupDefunctSiloEntriesAsync));
        if (outcome == Outcome.Written)
        {
            LogCleanedUp(_logger, _blob.Name, removed, beforeDate);
        }
    }

    /// <summary>One silo's row (if present) and the table version, from one read of the blob.</summary>
    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (document, _) = await _blob.ReadAsync(cancellationToken).ConfigureAwait(false);
        var version = MembershipConversions.ToTableVersion(document);
        return document.Find(key.ToParsableString()) is { } member
            ? new MembershipTableData(Tuple.Create(MembershipConversions.ToEntry(member), member.ETag), version)
            : new MembershipTableData(version);
    }

    /// <summary>Every row and the table version, from one read of the blob (an atomic snapshot).</summary>
    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var (document, _) = await _blob.ReadAsync(cancellationToken).ConfigureAwait(false);
        return MembershipConversions.ToTableData(document);
    }

    /// <summary>Adds <paramref name="entry"/> and sets the table version to <paramref name="tableVersion"/>, atomically,
    /// if the table's version etag is still <c>tableVersion.VersionEtag</c> and the silo has no row yet; otherwise
    /// returns false and changes nothing. The row and the version get fresh etags.</summary>
    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        var silo = entry.SiloAddress.ToParsableString();
        var outcome = await MutateAsync(
            document =>
            {
                if (!string.Equals(document.VersionETag, tableVersion.VersionEtag, StringComparison.Ordinal) || document.Find(silo) is not null)
                {
                    return Decision.Reject;
                }

                document.Members.Add(MembershipConversions.ToRecord(entry, document.NewETag()));
                SetVersion(document, tableVersion);
                return Decision.Write;
            },
            cancellationToken).ConfigureAwait(false);
        LogRowWrite(_logger, nameof(InsertRowAsync), entry.SiloAddress, entry.Status, tableVersion.Version, outcome);
        return outcome == Outcome.Written;
    }

    /// <summary>Replaces the silo's row with <paramref name="entry"/> and sets the table version, atomically, if the
    /// row's etag is still <paramref name="etag"/> and the version etag still <c>tableVersion.VersionEtag</c>; otherwise
    /// returns false and changes nothing.</summary>
    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(etag);
        ArgumentNullException.ThrowIfNull(tableVersion);
        var silo = entry.SiloAddress.ToParsableString();
        var outcome = await MutateAsync(
            document =>
            {
                var index = document.Members.FindIndex(member => string.Equals(member.Silo, silo, StringComparison.Ordinal));
                if (index < 0
                    || !string.Equals(document.Members[index].ETag, etag, StringComparison.Ordinal)
                    || !string.Equals(document.VersionETag, tableVersion.VersionEtag, StringComparison.Ordinal))
                {
                    return Decision.Reject;
                }

                document.Members[index] = MembershipConversions.ToRecord(entry, document.NewETag());
                SetVersion(document, tableVersion);
                return Decision.Write;
            },
            cancellationToken).ConfigureAwait(false);
        LogRowWrite(_logger, nameof(UpdateRowAsync), entry.SiloAddress, entry.Status, tableVersion.Version, outcome);
        return outcome == Outcome.Written;
    }

    /// <summary>Writes the silo's heartbeat time, whatever the etags: neither the row's etag nor the table version
    /// changes, so a heartbeat never fails a membership change. A silo without a row is left alone.</summary>
    /// <exception cref="StorageConflictException">The blob kept changing under
    /// <see cref="RunnelClusteringOptions.MaxConflictRetries"/> attempts in a row.</exception>
    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var silo = entry.SiloAddress.ToParsableString();
        var iAmAlive = MembershipConversions.ToRecord(entry, "").IAmAliveTime;
        var outcome = await MutateAsync(
            document =>
            {
                if (document.Find(silo) is not { } member)
                {
                    return Decision.Keep;
                }

                member.IAmAliveTime = iAmAlive;
                return Decision.Write;
            },
            cancellationToken).ConfigureAwait(false);
        ThrowIfExhausted(outcome, nameof(UpdateIAmAliveAsync));
        LogIAmAlive(_logger, entry.SiloAddress, iAmAlive, outcome);
    }

    // Orleans 10.4 calls the *Async members above; the members below are its obsolete originals (still abstract).
    Task IMembershipTable.InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion);

    Task IMembershipTable.DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId);

    Task IMembershipTable.CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate);

    Task<MembershipTableData> IMembershipTable.ReadRow(SiloAddress key) => ReadRowAsync(key);

    Task<MembershipTableData> IMembershipTable.ReadAll() => ReadAllAsync();

    Task<bool> IMembershipTable.InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion);

    Task<bool> IMembershipTable.UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion);

    Task IMembershipTable.UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry);

    /// <summary>
    /// Reads the blob, lets <paramref name="decide"/> change the document (or decline), and writes it back only if the
    /// blob has not changed since the read; on a blob-level conflict it starts over on the fresh state. Orleans' own
    /// conditions are re-checked by <paramref name="decide"/> on every attempt, so a retry never overwrites a change
    /// it did not see.
    /// </summary>
    private async ValueTask<Outcome> MutateAsync(Func<MembershipDocument, Decision> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (document, etag) = await _blob.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (decide(document))
            {
                case Decision.Reject:
                    return Outcome.Rejected;
                case Decision.Keep:
                    return Outcome.Unchanged;
            }

            if (await _blob.TryWriteAsync(document, etag, cancellationToken).ConfigureAwait(false))
            {
                return Outcome.Written;
            }

            if (attempt >= _options.MaxConflictRetries)
            {
                LogGaveUp(_logger, _blob.Name, attempt);
                return Outcome.Exhausted;
            }

            LogConflict(_logger, _blob.Name, attempt);
            var pause = _options.MaxConflictRetryDelay * Random.Shared.NextDouble();
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void ThrowIfExhausted(Outcome outcome, string operation)
    {
        if (outcome == Outcome.Exhausted)
        {
            throw new StorageConflictException(_blob.Name, $"{operation}: the membership blob changed under each of {_options.MaxConflictRetries} attempts.");
        }
    }

    private static void SetVersion(MembershipDocument document, TableVersion tableVersion)
    {
        document.Version = tableVersion.Version;
        document.VersionETag = document.NewETag();
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private enum Decision
    {
        Write,
        Keep,
        Reject,
    }

    /// <summary>What a read-modify-write came to (logged by name).</summary>
    internal enum Outcome
    {
        Written,
        Unchanged,
        Rejected,
        Exhausted,
    }
}
