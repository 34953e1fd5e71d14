using System.Text.Json;
using Runnel.Runtime.Placement;
using Runnel.Storage;

namespace Runnel.Runtime.Membership;

internal sealed partial class MembershipService
{
    /// <summary>
    /// Read → decide → If-Match write of the table. <paramref name="decide"/> gets the table read and the store's
    /// clock at that read; null means "nothing to change" (returned as null). Retries conflicts (re-deciding on the new
    /// table), unknown outcomes and store failures with a jittered backoff until <paramref name="cancellationToken"/>.
    /// Installs what it reads and writes; pushes what it writes.
    /// </summary>
    private async Task<MembershipTable?> UpdateAsync(Func<MembershipTable, DateTimeOffset, MembershipTable?> decide, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var backoff = CasBackoffMin;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (State.IsKilled)
                {
                    throw new RunnelException(RunnelErrorCode.Rejected, "The silo was killed: no more membership writes.");
                }

                try
                {
                    var (table, etag, now) = await ReadAsync(cancellationToken).ConfigureAwait(false);
                    Install(table);
                    var next = decide(table, now);
                    if (next is null)
                    {
                        return null;
                    }

                    var bytes = MembershipJsonContext.Serialize(next);
                    try
                    {
                        await _store.PutAsync(_tableBlob, bytes, etag is { } e ? BlobCondition.IfETagMatches(e) : BlobCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PreconditionFailedException)
                    {
                        StoreSucceeded();
                        LogConflict(_logger, next.Version);
                        throw;
                    }

                    StoreSucceeded();
                    Install(next);
                    _lastPush = Push(next, bytes);
                    return next;
                }
                catch (StorageException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    if (ex is not PreconditionFailedException)
                    {
                        StoreFailed();
                        LogStoreFailed(_logger, "membership write", ex.Message);
                    }

                    var jitter = TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + Random.Shared.NextDouble())));
                    await Task.Delay(jitter, _time, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, (ex is PreconditionFailedException ? CasBackoffMax : _options.ProbePeriod).Ticks));
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The table, its ETag and the store's clock. Creates an empty table when there is none.</summary>
    private async Task<(MembershipTable Table, ETag? ETag, DateTimeOffset Now)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var content = await _store.TryGetAsync(_tableBlob, default, cancellationToken).ConfigureAwait(false);
                if (content is not null)
                {
                    StoreSucceeded();
                    return (MembershipJsonContext.ParseTable(content.Content.Span), content.Properties.ETag, content.Properties.ServerTime);
                }

                try
                {
                    var created = await _store.PutAsync(_tableBlob, MembershipJsonContext.Serialize(MembershipTable.Empty), BlobCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                    StoreSucceeded();
                    return (MembershipTable.Empty, created.ETag, created.ServerTime);
                }
                catch (PreconditionFailedException)
                {
                    // Another silo created it first: read theirs.
                }
            }
        }
        catch (StorageException) when (!cancellationToken.IsCancellationRequested)
        {
            StoreFailed();
            throw;
        }
    }

    private async Task<(MembershipTable Table, ETag? ETag, DateTimeOffset Now)> ReadWithRetryAsync(CancellationToken cancellationToken)
    {
        var backoff = CasBackoffMin;
        while (true)
        {
            try
            {
                return await ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogStoreFailed(_logger, "membership read", ex.Message);
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.ProbePeriod.Ticks));
            }
        }
    }

    private async Task RefreshOnceAsync()
    {
        await Task.Yield();
        try
        {
            var (table, _, _) = await ReadAsync(_stopping.Token).ConfigureAwait(false);
            Install(table);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
        {
            LogStoreFailed(_logger, "membership refresh", ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }

    /// <summary>Installs <paramref name="table"/> when it is newer than the current view; then checks that this silo is
    /// still a live member (else stops it through the fatal-error handler).</summary>
    private void Install(MembershipTable table)
    {
        lock (_gate)
        {
            if (State.Snapshot is { } current && table.Version <= current.Version)
            {
                return;
            }

            var placement = new PlacementView(table.Version, table.Members.Where(m => m.Status == SiloStatus.Active).Select(m => m.Silo));
            State.Publish(new MembershipSnapshot(table, placement));
        }

        LogViewInstalled(_logger, table.Version, string.Join(", ", table.Members.Where(m => m.IsLive).Select(m => $"{m.Silo} {m.Status}")));
        if (State.Self is not { } self || _leaving)
        {
            return;
        }

        var entry = table.Find(self);
        if (entry is null && table.Version > _joinedVersion)
        {
            Fatal(self, $"silo {self} is missing from membership view {table.Version}");
        }
        else if (entry?.Status == SiloStatus.Dead)
        {
            Fatal(self, $"silo {self} is Dead in membership view {table.Version} ({entry.Votes.Count} vote(s) against it)");
        }
    }

    private void Fatal(SiloAddress self, string reason)
    {
        if (Interlocked.Exchange(ref _fatalOnce, 1) != 0)
        {
            return;
        }

        State.IsFatal = true;
        StopTimers();
        LogFatal(_logger, self, reason);
        _ = Task.Run(() =>
        {
            try
            {
                _fatal.OnFatalError(self, reason);
            }
            catch (Exception ex)
            {
                LogFatalHandlerFailed(_logger, ex);
            }
        });
    }

    /// <summary>Sends a table this silo wrote to every other live member (best effort; polling is the fallback).
    /// The returned task completes when every push has been answered or has failed (never faults).</summary>
    private Task Push(MembershipTable table, byte[] bytes) =>
        Task.WhenAll(table.Members.Where(m => m.IsLive && m.Silo != State.Self).Select(m => PushOneAsync(m.Silo, bytes)));

    private async Task PushOneAsync(SiloAddress silo, byte[] bytes)
    {
        using var cts = new CancellationTokenSource(_options.ViewPushTimeout, _time);
        try
        {
            await Control(silo).ViewChangedAsync(bytes, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
        {
            LogPushFailed(_logger, silo, ex.Message);
        }
    }

    private async Task HeartbeatAsync()
    {
        if (State.Self is not { } self || State.IsKilled || Interlocked.Exchange(ref _heartbeatBusy, 1) == 1)
        {
            return;
        }

        try
        {
            var status = State.Snapshot?.Table.StatusOf(self) ?? SiloStatus.Joining;
            var content = JsonSerializer.SerializeToUtf8Bytes(new Heartbeat(self.ToString(), _silo.SiloName, status), MembershipJsonContext.Default.Heartbeat);
            await _store.PutAsync(HeartbeatBlobName(_silo.ClusterId, self), content, default, _stopping.Token).ConfigureAwait(false);
            StoreSucceeded();
        }
        catch (StorageException ex)
        {
            StoreFailed();
            LogStoreFailed(_logger, "heartbeat", ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping.
        }
        finally
        {
            Volatile.Write(ref _heartbeatBusy, 0);
        }
    }

    /// <summary>Live rows (other endpoints) whose heartbeat is stale on the store's clock and that do not answer a
    /// probe: a joining silo declares them Dead in its join write.</summary>
    private async Task<IReadOnlyCollection<SiloAddress>> FindEvictableAsync(MembershipTable table, string endpoint, DateTimeOffset storeNow, CancellationToken cancellationToken)
    {
        var candidates = table.Members.Where(m => m.IsLive && m.Silo.Endpoint != endpoint).ToList();
        var evict = await Task.WhenAll(candidates.Select(async member =>
        {
            bool stale;
            try
            {
                var heartbeat = await _store.TryGetPropertiesAsync(HeartbeatBlobName(_silo.ClusterId, member.Silo), cancellationToken).ConfigureAwait(false);
                stale = heartbeat is null
                    ? storeNow - member.StartTime > _options.HeartbeatStaleAfter
                    : heartbeat.ServerTime - heartbeat.LastModified > _options.HeartbeatStaleAfter;
            }
            catch (StorageException)
            {
                return (member.Silo, Evict: false);
            }

            return (member.Silo, Evict: stale && !await PingAsync(member.Silo, _options.ProbeTimeout).ConfigureAwait(false));
        })).ConfigureAwait(false);
        return evict.Where(e => e.Evict).Select(e => e.Silo).ToList();
    }
}
