using System.Security.Cryptography;
using System.Text.Json;
using Runnel.Buffers;
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
///       meta                       two CRC'd slots of JSON metadata (Internal/MetaFile.cs): for a block blob its
///                                  committed state (kind, generation, data file, length, lease); for an append
///                                  blob the data file's name (its state lives in that file's head)
///       meta.tmp                   only while <c>meta</c> is first created (write temp, fsync, rename)
///       d-&lt;incarnation&gt;-&lt;gen&gt;      block blob: the content, immutable
///                                  append blob: [slot 0][slot 1][content], grown in place (Internal/AppendBlobHead.cs)
///     locks/&lt;folder&gt;.000.lock .. .3ff.lock   OS lock files per top-level folder of the names
///                                  (topics, groups, clusters, …); a blob's name hashes to one of its folder's
/// </code>
/// <para>Durability: every write is on disk before it returns. A put writes a new data file, fsyncs it and its
/// directory entry, then commits <c>meta</c> pointing at it (one slot write + fdatasync), so a reader sees the old
/// content or the new, never a mix. An append blob keeps its metadata in the head of its own data file: an append,
/// under the blob's lock, reads the newest valid slot, checks the conditions, writes the block at
/// <c>head + length</c>, writes the other slot (sequence + 1, new length and block count, the block's position and
/// CRC-32C, the boot id) and then makes both durable with ONE fdatasync of that file. Seal and lease changes on an
/// append blob write a slot the same way. Because the kernel may persist the slot before the block, a slot written
/// in an earlier boot is only trusted when its last block matches its CRC; otherwise the other slot, whose state was
/// on disk before this one was written, is used (Internal/AppendBlobHead.cs has the argument). Readers never see bytes
/// past the committed length; an unacknowledged tail is overwritten by the next append. This gives appends one
/// device flush each instead of two (data fsync, then metadata fdatasync). ETags are <c>generation-incarnation</c>:
/// the generation counts content changes, the random incarnation makes a re-created blob's ETags differ from its
/// predecessor's.</para>
/// <para>Data directories written before version 2 of the metadata: block blobs read and write as before; an append
/// blob of the old layout (state in <c>meta</c>, content from offset 0) fails with
/// <see cref="StorageCorruptException"/> naming its directory, never a silent misread.</para>
/// <para>Names map to nested directories, one per '/'-separated segment, with an escaping that keeps them apart from
/// each other and from the store's own files (<c>Internal/BlobPaths.cs</c> has the scheme). Empty directories of
/// deleted names' parent segments are left in place (removing them could race another process's create).</para>
/// <para>Thread-safe. Calls do their file I/O and fsyncs synchronously on the calling thread and complete
/// synchronously unless they wait for a lock another thread or process holds. Lease expiry is judged on the injected
/// <see cref="TimeProvider"/>, which is also every result's <c>ServerTime</c>. Linux only (boot id, fdatasync).</para>
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
    private readonly Guid _bootId;
    private readonly bool _bootIdIsReal;
    private readonly GroupSync? _groupSync;

    /// <summary>Opens (creating if needed) a store under <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">The data directory; created if absent. Other processes may use it at the same time.</param>
    /// <param name="timeProvider">The store's clock: lease expiry and <c>ServerTime</c>. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="lockTimeout">How long an operation waits for a blob's lock before failing with
    /// <see cref="StorageUnavailableException"/>. Default 30 s.</param>
    public FileObjectStore(string rootDirectory, TimeProvider? timeProvider = null, TimeSpan? lockTimeout = null)
        : this(rootDirectory, timeProvider, lockTimeout, HostBootId.Current ?? Guid.NewGuid(), bootIdIsReal: HostBootId.Current is not null)
    {
    }

    /// <summary>Opens a store that takes <paramref name="bootId"/> as the current OS boot's id (tests: a different id
    /// is an OS crash since the slots were written).</summary>
    /// <param name="rootDirectory">As for the public constructor.</param>
    /// <param name="timeProvider">As for the public constructor.</param>
    /// <param name="lockTimeout">As for the public constructor.</param>
    /// <param name="bootId">The id slots are stamped with and compared against.</param>
    /// <param name="bootIdIsReal">False when the OS has no boot id and <paramref name="bootId"/> is random per
    /// store: a slot that verifies is then not taken as on disk (it may be in the page cache only), and a writer
    /// fdatasyncs before relying on it.</param>
    /// <param name="groupSync">Makes append blobs' data files durable (tests inject one whose syncs fail); null for
    /// the store's own: rounds of syncfs where the OS supports them (Internal/GroupSync.cs), else an fdatasync each.</param>
    internal FileObjectStore(string rootDirectory, TimeProvider? timeProvider, TimeSpan? lockTimeout, Guid bootId, bool bootIdIsReal = true, Func<string, GroupSync>? groupSync = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        _bootId = bootId;
        _bootIdIsReal = bootIdIsReal;
        RootDirectory = Path.GetFullPath(rootDirectory);
        _time = timeProvider ?? TimeProvider.System;
        _blobsRoot = Path.Combine(RootDirectory, "blobs");
        var locksDirectory = Path.Combine(RootDirectory, "locks");
        Directory.CreateDirectory(_blobsRoot);
        Directory.CreateDirectory(locksDirectory);
        DurableFile.SyncDirectory(RootDirectory);
        _locks = new StripedFileLock(locksDirectory, lockTimeout ?? TimeSpan.FromSeconds(30));
        _groupSync = groupSync is not null ? groupSync(RootDirectory) : GroupSync.IsSupported ? new GroupSync(RootDirectory) : null;
    }

    /// <summary>The store's data directory (absolute).</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        Get(name, range, pooled: false, cancellationToken);

    /// <inheritdoc />
    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) =>
        Get(name, range, pooled: true, cancellationToken);

    private ValueTask<BlobContent> Get(string name, ByteRange range, bool pooled, CancellationToken cancellationToken)
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
                var pointer = ReadPointer(directory, name) ?? throw new BlobNotFoundException(name);
                var dataPath = Path.Combine(directory, pointer.DataFile);
                var data = TryOpenData(dataPath, FileAccess.Read);
                if (data is null)
                {
                    continue; // a put replaced the data file between reading meta and opening it: read the new meta
                }

                using (data)
                {
                    // An append blob's state comes from the same open file its content is read from.
                    var meta = pointer.Kind == BlobKind.Append ? ReadAppendHead(data, dataPath, name).Meta : pointer;
                    var contentStart = pointer.Kind == BlobKind.Append ? AppendBlobHead.HeadSize : 0;
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

                    if (!pooled)
                    {
                        var content = GC.AllocateUninitializedArray<byte>((int)count);
                        ReadExactly(data, content, contentStart + start, name);
                        return ValueTask.FromResult(new BlobContent(content, start, properties));
                    }

                    var buffer = PooledBuffer.Rent((int)count);
                    try
                    {
                        ReadExactly(data, buffer.GetSpan(), contentStart + start, name);
                    }
                    catch
                    {
                        buffer.Release();
                        throw;
                    }

                    return ValueTask.FromResult(new BlobContent(buffer.Memory, start, properties));
                }
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

        var blockCrc = AppendBlobHead.BlockCrc(block.Span); // outside the lock: it does not depend on the blob's state
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            using var blob = OpenForAppend(directory, name, "it is a block blob; only an append blob takes appended blocks");
            var meta = blob.Head.Meta;
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

            // The block goes past the committed length (readers ignore it, a torn tail of a crashed append is simply
            // overwritten), before the slot that commits it; one fdatasync in CommitSlot covers both.
            RandomAccess.Write(blob.Handle, block.Span, AppendBlobHead.HeadSize + meta.Length);
            var next = meta with
            {
                Generation = meta.Generation + 1,
                Length = meta.Length + block.Length,
                BlockCount = meta.BlockCount + 1,
                LastModifiedUtcTicks = now.UtcTicks,
            };
            CommitSlot(blob, next, new AppendedBlock(meta.Length, block.Length, blockCrc));
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
            using var blob = OpenForAppend(directory, name, "it is a block blob; only an append blob can be sealed");
            var meta = blob.Head.Meta;
            CheckCondition(name, meta, condition, now);
            if (!meta.IsSealed)
            {
                CommitSlot(blob, meta with { IsSealed = true }, blob.Head.Slot.LastBlock);
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
        var next = (current ?? NewMeta(name, incarnation)) with
        {
            Version = BlobMetadata.CurrentVersion,
            Kind = kind,
            Generation = generation,
            DataFile = dataFile,
            Length = content.Length,
            BlockCount = 0,
            IsSealed = false,
            LastModifiedUtcTicks = now.UtcTicks,
        };

        var dataPath = Path.Combine(directory, dataFile);
        if (kind == BlobKind.Append)
        {
            // An empty append blob: a head whose slot 0 holds the state (no block yet), slot 1 empty.
            var head = new byte[AppendBlobHead.HeadSize];
            AppendBlobHead.Encode(1, _bootId, default, SerializeMeta(next)).CopyTo(head, 0);
            DurableFile.WriteAndSync(dataPath, head);
        }
        else
        {
            DurableFile.WriteAndSync(dataPath, content);
        }

        DurableFile.SyncDirectory(directory); // the data file's entry is durable before meta names it
        WriteMeta(directory, next);
        if (kind == BlobKind.Append)
        {
            MarkDurable(dataPath, 1);
        }

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

    /// <summary>The committed state of the blob in <paramref name="directory"/>, or null when there is none. For an
    /// append blob this reads the head of its data file. Needs no lock (retries when a put replaces the data file).</summary>
    private BlobMetadata? ReadMeta(string directory, string name)
    {
        for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            var pointer = ReadPointer(directory, name);
            if (pointer is null || pointer.Kind == BlobKind.Block)
            {
                return pointer;
            }

            var dataPath = Path.Combine(directory, pointer.DataFile);
            using var data = TryOpenData(dataPath, FileAccess.Read);
            if (data is not null)
            {
                return ReadAppendHead(data, dataPath, name).Meta;
            }
        }

        throw new StorageUnavailableException(name, $"the blob was replaced {MaxReadAttempts} times while being read", isOutcomeUnknown: false);
    }

    /// <summary>The blob's <c>meta</c> file: a block blob's state, or which data file holds an append blob's state;
    /// null when the blob does not exist.</summary>
    /// <exception cref="StorageCorruptException">Neither slot is valid, the JSON is not this blob's metadata, or the
    /// blob is an append blob in the version 1 layout.</exception>
    private static BlobMetadata? ReadPointer(string directory, string name)
    {
        byte[]? bytes;
        try
        {
            bytes = MetaFile.Read(Path.Combine(directory, MetaFileName));
        }
        catch (InvalidDataException ex)
        {
            throw new StorageCorruptException(name, $"{ex.Message} Restore the blob directory '{directory}' from a copy, or delete it to drop the blob.", ex);
        }

        if (bytes is null)
        {
            return null;
        }

        var meta = ParseMeta(bytes, directory, name);
        if (meta.Version == 1 && meta.Kind == BlobKind.Append)
        {
            throw new StorageCorruptException(
                name,
                $"'{directory}' holds an append blob in the file store's version 1 layout (state in 'meta', content from offset 0 of '{meta.DataFile}'); "
                + $"this version keeps an append blob's state in the head of its data file and does not read the old layout. Read the blob with the previous version and write it to a new data directory, or delete '{directory}'.");
        }

        return meta;
    }

    /// <summary>Parses and checks metadata JSON: a version this store reads, of blob <paramref name="name"/>.</summary>
    private static BlobMetadata ParseMeta(ReadOnlySpan<byte> json, string directory, string name)
    {
        BlobMetadata? meta;
        try
        {
            meta = JsonSerializer.Deserialize(json, BlobMetadataJsonContext.Default.BlobMetadata);
        }
        catch (JsonException ex)
        {
            throw new StorageCorruptException(name, $"the metadata in '{directory}' is not valid JSON ({ex.Message}), though its CRC checks.", ex);
        }

        if (meta is null || meta.Version is < 1 or > BlobMetadata.CurrentVersion || !string.Equals(meta.Name, name, StringComparison.Ordinal))
        {
            throw new StorageCorruptException(name, $"the metadata in '{directory}' is not version 1 to {BlobMetadata.CurrentVersion} metadata of this blob.");
        }

        return meta;
    }

    private static byte[] SerializeMeta(BlobMetadata meta) =>
        JsonSerializer.SerializeToUtf8Bytes(meta, BlobMetadataJsonContext.Default.BlobMetadata);

    private static void WriteMeta(string directory, BlobMetadata meta) =>
        MetaFile.Write(Path.Combine(directory, MetaFileName), Path.Combine(directory, MetaTempFileName), SerializeMeta(meta));

    /// <summary>Opens a data file; null when it is gone (a put replaced it).</summary>
    private static Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpenData(string path, FileAccess access)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> of the data file.</summary>
    /// <exception cref="InvalidDataException">The file ends first: shorter than its committed length.</exception>
    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle data, Span<byte> buffer, long offset, string name)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(data, buffer[done..], offset + done);
            if (read == 0)
            {
                throw new InvalidDataException($"The data file of blob '{name}' ends at {offset + done}, before its committed length.");
            }

            done += read;
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
