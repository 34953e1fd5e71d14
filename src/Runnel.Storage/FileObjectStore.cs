using System.Security.Cryptography;
using System.Text.Json;
using Runnel.Storage.Internal;

namespace Runnel.Storage;

/// <summary>
/// The embedded <see cref="IObjectStore"/>: blobs as files under a root directory on local disk, valid for one host.
/// Several processes on that host may share the directory (every conditional operation holds an OS file lock
/// for the blob while it checks and writes).
/// </summary>
/// <remarks>
/// <code>
///   root/
///     blobs/&lt;escaped name&gt;.b/      one directory per blob (see the name mapping below)
///       meta                       committed metadata, JSON: kind, generation, committed length, block count,
///                                  sealed flag, lease; only ever replaced whole by rename (the commit point)
///       meta.tmp                   the next metadata while it is being written
///       d-&lt;incarnation&gt;-&lt;gen&gt;      the content: immutable for a block blob, grown in place for an append blob
///     locks/000.lock .. 3ff.lock   OS lock files; a blob's name hashes to one
/// </code>
/// <para>Durability: every write fsyncs its data, then replaces <c>meta</c> atomically (write temp, fsync, rename,
/// fsync the directory) before it returns. A put writes a new data file and switches <c>meta</c> to it, so a reader
/// sees the old content or the new, never a mix. An append writes past the committed length and fsyncs before
/// committing the new length; a crash before the commit leaves bytes past the committed length, which readers never
/// see and the next append truncates. ETags are <c>generation-incarnation</c>: the generation counts content
/// changes, the random incarnation makes a re-created blob's ETags differ from its predecessor's.</para>
/// <para>Names map to nested directories, one per '/'-separated segment, with an escaping that keeps them apart from
/// each other and from the store's own files (<c>Internal/BlobPaths.cs</c> has the scheme). Empty directories of
/// deleted names' parent segments are left in place (removing them could race another process's create).</para>
/// <para>Thread-safe. Calls do their file I/O and fsyncs synchronously on the calling thread and complete
/// synchronously unless they wait for a lock another thread or process holds. Lease expiry is judged on the injected
/// <see cref="TimeProvider"/>, which is also every result's <c>ServerTime</c>.</para>
/// </remarks>
public sealed partial class FileObjectStore : IObjectStore
{
    private const string MetaFileName = "meta";
    private const string MetaTempFileName = "meta.tmp";

    /// <summary>How often a read retries when a concurrent put replaced the data file it was about to open.</summary>
    private const int MaxReadAttempts = 16;

    private readonly string _blobsRoot;
    private readonly TimeProvider _time;
    private readonly StripedFileLock _locks;

    /// <summary>Opens (creating if needed) a store under <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">The data directory; created if absent. Other processes may use it at the same time.</param>
    /// <param name="timeProvider">The store's clock: lease expiry and <c>ServerTime</c>. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="lockTimeout">How long an operation waits for a blob's lock before failing with
    /// <see cref="StorageUnavailableException"/>. Default 30 s.</param>
    public FileObjectStore(string rootDirectory, TimeProvider? timeProvider = null, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _time = timeProvider ?? TimeProvider.System;
        _blobsRoot = Path.Combine(RootDirectory, "blobs");
        var locksDirectory = Path.Combine(RootDirectory, "locks");
        Directory.CreateDirectory(_blobsRoot);
        Directory.CreateDirectory(locksDirectory);
        DurableFile.SyncDirectory(RootDirectory);
        _locks = new StripedFileLock(locksDirectory, lockTimeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>The store's data directory (absolute).</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (range.Offset < 0 || range.Length < 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid range {range.Offset}+{range.Length} for blob '{name}': offset and length must not be negative.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        try
        {
            for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
            {
                var meta = ReadMeta(directory, name) ?? throw new BlobNotFoundException(name);
                var start = Math.Min(range.Offset, meta.Length);
                var end = range.Length is { } length ? Math.Min(meta.Length, start + Math.Min(length, meta.Length - start)) : meta.Length;
                var count = end - start;
                if (count > Array.MaxLength)
                {
                    throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Reading {count} bytes of blob '{name}' at once is more than one buffer holds; read it by ranges.");
                }

                var properties = ToProperties(meta);
                if (count == 0)
                {
                    return ValueTask.FromResult(new BlobContent(ReadOnlyMemory<byte>.Empty, range.Offset, properties));
                }

                var content = TryReadData(Path.Combine(directory, meta.DataFile), start, (int)count, name);
                if (content is not null)
                {
                    return ValueTask.FromResult(new BlobContent(content, start, properties));
                }

                // A put replaced the data file between reading meta and opening it: read the new meta.
            }
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "read", ex, isWrite: false);
        }

        throw new StorageUnavailableException(name, $"the blob was replaced {MaxReadAttempts} times while being read", isOutcomeUnknown: false);
    }

    /// <inheritdoc />
    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        cancellationToken.ThrowIfCancellationRequested();
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        try
        {
            var meta = ReadMeta(directory, name) ?? throw new BlobNotFoundException(name);
            return ValueTask.FromResult(ToProperties(meta));
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "read properties", ex, isWrite: false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var meta = ReadMeta(directory, name);
            CheckCondition(name, meta, condition, now);
            var written = WriteNewContent(directory, name, meta, BlobKind.Block, content.Span, now);
            return new BlobWriteResult(written.ETag, written.LastModified, now);
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "put", ex, isWrite: true);
        }
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = ReadMeta(directory, name) ?? throw new BlobNotFoundException(name);
            CheckCondition(name, meta, condition, _time.GetUtcNow());

            // Removing meta is the commit point; the data files and the directory are garbage after it.
            DurableFile.DeleteDurably(Path.Combine(directory, MetaFileName));
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left behind (a reader on Windows holding a file open): without meta it is not a blob, and the next
                // write of this name removes the leftovers.
            }
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "delete", ex, isWrite: true);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var meta = ReadMeta(directory, name);
            CheckCondition(name, meta, condition, now);
            var written = WriteNewContent(directory, name, meta, BlobKind.Append, ReadOnlySpan<byte>.Empty, now);
            return new BlobWriteResult(written.ETag, written.LastModified, now);
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "create append blob", ex, isWrite: true);
        }
    }

    /// <inheritdoc />
    public async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (block.Length is 0 or > ObjectStoreLimits.MaxAppendBlockBytes)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid block for append blob '{name}': it is {block.Length} bytes; a block is 1 to {ObjectStoreLimits.MaxAppendBlockBytes} bytes.");
        }

        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var meta = ReadMeta(directory, name) ?? throw new BlobNotFoundException(name);
            if (meta.Kind != BlobKind.Append)
            {
                throw new StorageConflictException(name, "it is a block blob; only an append blob takes appended blocks");
            }

            if (meta.IsSealed)
            {
                throw new BlobSealedException(name);
            }

            CheckLease(name, meta, condition.LeaseId, now);
            if (condition.IfMatch is { } etag && etag != meta.ETag)
            {
                throw new PreconditionFailedException(name, PreconditionKind.ETagMismatch, $"If-Match {etag} but the blob's ETag is {meta.ETag}");
            }

            if (condition.AppendPosition is { } position && position != meta.Length)
            {
                throw new PreconditionFailedException(name, PreconditionKind.AppendPosition, $"append position {position} but the blob is {meta.Length} bytes long");
            }

            if (condition.MaxSize is { } maxSize && meta.Length + block.Length > maxSize)
            {
                throw new PreconditionFailedException(name, PreconditionKind.MaxSize, $"max size {maxSize} but the blob would grow to {meta.Length + block.Length} bytes");
            }

            if (meta.BlockCount >= ObjectStoreLimits.MaxBlocksPerAppendBlob)
            {
                throw new StorageConflictException(name, $"the append blob already holds {meta.BlockCount} blocks, the limit");
            }

            // Data first (past the committed length, so readers ignore it), fsynced; then the new length in meta.
            using (var data = new FileStream(Path.Combine(directory, meta.DataFile), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0))
            {
                if (data.Length != meta.Length)
                {
                    data.SetLength(meta.Length); // a torn append from a crashed writer: never acknowledged
                }

                data.Position = meta.Length;
                data.Write(block.Span);
                data.Flush(flushToDisk: true);
            }

            var next = meta with
            {
                Generation = meta.Generation + 1,
                Length = meta.Length + block.Length,
                BlockCount = meta.BlockCount + 1,
                LastModifiedUtcTicks = now.UtcTicks,
            };
            WriteMeta(directory, next);
            return new AppendResult(meta.Length, next.BlockCount, next.ETag, now);
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "append block", ex, isWrite: true);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var meta = ReadMeta(directory, name) ?? throw new BlobNotFoundException(name);
            if (meta.Kind != BlobKind.Append)
            {
                throw new StorageConflictException(name, "it is a block blob; only an append blob can be sealed");
            }

            CheckCondition(name, meta, condition, now);
            if (!meta.IsSealed)
            {
                WriteMeta(directory, meta with { IsSealed = true });
            }

            return new BlobWriteResult(meta.ETag, meta.LastModified, now);
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, "seal", ex, isWrite: true);
        }
    }

    /// <summary>Writes a new data file for <paramref name="name"/> and commits metadata pointing at it (a put, or the
    /// creation of an empty append blob). Keeps the blob's lease and incarnation when it exists. Caller holds the lock.</summary>
    private BlobMetadata WriteNewContent(string directory, string name, BlobMetadata? current, BlobKind kind, ReadOnlySpan<byte> content, DateTimeOffset now)
    {
        EnsureDirectory(directory);
        var incarnation = current?.Incarnation ?? NewIncarnation();
        var generation = (current?.Generation ?? 0) + 1;
        var dataFile = $"d-{incarnation:x16}-{generation}";
        DurableFile.WriteAndSync(Path.Combine(directory, dataFile), content);
        DurableFile.SyncDirectory(directory); // the data file's entry is durable before meta names it

        var next = (current ?? NewMeta(name, incarnation)) with
        {
            Kind = kind,
            Generation = generation,
            DataFile = dataFile,
            Length = content.Length,
            BlockCount = 0,
            IsSealed = false,
            LastModifiedUtcTicks = now.UtcTicks,
        };
        WriteMeta(directory, next);
        RemoveStaleFiles(directory, dataFile);
        return next;
    }

    private static BlobMetadata NewMeta(string name, ulong incarnation) => new()
    {
        Version = BlobMetadata.CurrentVersion,
        Name = name,
        Kind = BlobKind.Block,
        Incarnation = incarnation,
        Generation = 0,
        DataFile = "",
        Length = 0,
        BlockCount = 0,
        IsSealed = false,
        LastModifiedUtcTicks = 0,
    };

    private static ulong NewIncarnation()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    /// <summary>Checks <c>If-None-Match: *</c>, <c>If-Match</c> and the lease against the blob's committed state.</summary>
    private static void CheckCondition(string name, BlobMetadata? meta, BlobCondition condition, DateTimeOffset now)
    {
        if (condition.IfNoneMatchAny && meta is not null)
        {
            throw new PreconditionFailedException(name, PreconditionKind.AlreadyExists, "If-None-Match: * but the blob exists");
        }

        if (condition.IfMatch is { } etag && (meta is null || etag != meta.ETag))
        {
            throw new PreconditionFailedException(
                name,
                PreconditionKind.ETagMismatch,
                meta is null ? $"If-Match {etag} but the blob does not exist" : $"If-Match {etag} but the blob's ETag is {meta.ETag}");
        }

        CheckLease(name, meta, condition.LeaseId, now);
    }

    /// <summary>A blob with an active lease (leased or breaking) demands its id; a lease id on a blob without an
    /// active lease fails too (as in Azure).</summary>
    private static void CheckLease(string name, BlobMetadata? meta, string? leaseId, DateTimeOffset now)
    {
        var state = meta?.LeaseStateAt(now) ?? BlobLeaseState.Available;
        var active = state is BlobLeaseState.Leased or BlobLeaseState.Breaking;
        if (active && leaseId is null)
        {
            throw new PreconditionFailedException(name, PreconditionKind.Lease, "the blob has an active lease and the write carried no lease id");
        }

        if (active && !string.Equals(leaseId, meta!.LeaseId, StringComparison.OrdinalIgnoreCase))
        {
            throw new PreconditionFailedException(name, PreconditionKind.Lease, $"the write carried lease id {leaseId}, which is not the blob's active lease");
        }

        if (!active && leaseId is not null)
        {
            throw new PreconditionFailedException(name, PreconditionKind.Lease, $"the write carried lease id {leaseId} but the blob has no active lease ({state})");
        }
    }

    private BlobProperties ToProperties(BlobMetadata meta)
    {
        var now = _time.GetUtcNow();
        return new BlobProperties(meta.Name, meta.Length, meta.ETag, meta.LastModified, meta.Kind, meta.IsSealed, meta.BlockCount, meta.LeaseStateAt(now), now);
    }

    /// <summary>The committed metadata of the blob in <paramref name="directory"/>, or null when there is none.</summary>
    private static BlobMetadata? ReadMeta(string directory, string name)
    {
        var bytes = MetaFile.Read(Path.Combine(directory, MetaFileName));
        if (bytes is null)
        {
            return null;
        }

        BlobMetadata? meta;
        try
        {
            meta = JsonSerializer.Deserialize(bytes, BlobMetadataJsonContext.Default.BlobMetadata);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The metadata in '{directory}' is not valid: {ex.Message}", ex);
        }

        if (meta is null || meta.Version != BlobMetadata.CurrentVersion || !string.Equals(meta.Name, name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The metadata in '{directory}' is not version {BlobMetadata.CurrentVersion} metadata of blob '{name}'.");
        }

        return meta;
    }

    private static void WriteMeta(string directory, BlobMetadata meta)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(meta, BlobMetadataJsonContext.Default.BlobMetadata);
        MetaFile.Write(Path.Combine(directory, MetaFileName), Path.Combine(directory, MetaTempFileName), bytes);
    }

    /// <summary>Reads <paramref name="count"/> bytes at <paramref name="offset"/>; null when the file is gone (replaced).</summary>
    private static byte[]? TryReadData(string path, long offset, int count, string name)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        using (handle)
        {
            var buffer = GC.AllocateUninitializedArray<byte>(count);
            var done = 0;
            while (done < count)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
                if (read == 0)
                {
                    throw new InvalidDataException($"The data file of blob '{name}' ends at {offset + done}, before its committed length.");
                }

                done += read;
            }

            return buffer;
        }
    }

    /// <summary>Creates <paramref name="directory"/> and any missing parents, fsyncing each new entry's parent.</summary>
    private void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var missing = new Stack<string>();
        for (var d = directory; !Directory.Exists(d) && d.Length > _blobsRoot.Length; d = Path.GetDirectoryName(d)!)
        {
            missing.Push(d);
        }

        Directory.CreateDirectory(directory);
        foreach (var created in missing)
        {
            DurableFile.SyncDirectory(Path.GetDirectoryName(created)!);
        }
    }

    /// <summary>Deletes what a replaced or crashed write left in a blob directory: old data files, a stale temp.</summary>
    private static void RemoveStaleFiles(string directory, string dataFile)
    {
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var file = Path.GetFileName(path);
            if (file != MetaFileName && file != dataFile)
            {
                File.Delete(path);
            }
        }
    }

    private static bool IsFileSystemFailure(Exception ex) => ex is IOException or UnauthorizedAccessException or InvalidDataException;

    private static StorageUnavailableException Unavailable(string name, string operation, Exception ex, bool isWrite) =>
        new(name, $"{operation} failed in the file store: {ex.Message}", isOutcomeUnknown: isWrite, storeErrorCode: ex.GetType().Name, innerException: ex);
}
