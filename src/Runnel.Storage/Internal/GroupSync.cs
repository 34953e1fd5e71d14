using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Runnel.Storage.Internal;

/// <summary>
/// The file store's group commit of append blobs' data files: up to <see cref="DirectSyncs"/> callers at a time
/// fdatasync their own file; a caller beyond that joins the next <em>round</em>, and one <c>syncfs(2)</c> of the data
/// directory's filesystem makes every member's writes durable at once (one journal commit and one device flush for
/// the round instead of one per file).
/// </summary>
/// <remarks>
/// <code>
///   caller:  write block + slot ──► DataSync ──┬─ fewer than DirectSyncs running ──► fdatasync(own file)
///                                            └─ else join the open round ──► wait
///   rounds:  [round n: syncfs running] [round n+1: open, members joining] ...
///            a round starts when the one before it has ended: its first waiting member leads it (calls syncfs),
///            every member returns when it ends, or throws if it failed
/// </code>
/// <para>Why a round covers its members: a member joins after its write returned, and its round's syncfs starts
/// after the join (a round that is already running takes no members), so the syncfs writes back the member's pages
/// and commits the inode change that records its size. Since Linux 5.8 syncfs reports a writeback error of any file
/// of the filesystem (the superblock's error sequence); a failed round fails every member, none is acknowledged, and
/// each withdraws its slot as after a failed fdatasync. Before 5.8 syncfs reports no writeback errors: rounds are
/// then not used (<see cref="IsSupported"/>).</para>
/// <para>syncfs covers one filesystem: a file on another one (a mount inside the data directory) is fdatasynced
/// itself. The cost of a round is the filesystem's dirty data, other processes' too; it measured 2.5-6x faster per file
/// than as many concurrent fdatasyncs for 256 files of 200 B (docs/benchmarks.md, 2026-12-07).</para>
/// <para>Thread-safe; callers block (the store's I/O is synchronous on the calling thread).</para>
/// </remarks>
internal sealed class GroupSync
{
    private const int ReadOnly = 0;
    private const int AtEmptyPath = 0x1000;

    [ThreadStatic]
    private static byte[]? _statx;

    /// <summary>Concurrent fdatasyncs before callers join rounds: a few partitions appending at once (compare.sh's 8,
    /// the single-partition path) keep their own fdatasync, whose latency is one flush and which writes back nothing of
    /// other processes; many (a silo of thousands of partitions) share one syncfs per round.</summary>
    public const int DirectSyncs = 8;

    private readonly object _gate = new();
    private readonly ulong _device;
    private readonly SafeFileHandle _root;
    private readonly Func<SafeFileHandle, string, Exception?> _dataSync;
    private readonly Func<SafeFileHandle, Exception?> _syncFileSystem;
    private int _direct;

    // Under _gate: the round members join (null until the first joins) and whether a round's syncfs is running.
    private Round? _open;
    private bool _syncing;
    private int _waiting;

    /// <summary>Rounds for files on the filesystem of <paramref name="rootDirectory"/>, whose handle (kept open) the
    /// rounds' syncfs is called on.</summary>
    /// <param name="rootDirectory">The data directory.</param>
    /// <param name="dataSync">fdatasync of one file (tests inject failures); null for the real one. Returns the
    /// failure, or null.</param>
    /// <param name="syncFileSystem">syncfs of the handle's filesystem; null for the real one. Returns the failure, or null.</param>
    public GroupSync(string rootDirectory, Func<SafeFileHandle, string, Exception?>? dataSync = null, Func<SafeFileHandle, Exception?>? syncFileSystem = null)
    {
        // .NET opens no directory handle (FileStream refuses directories): open(2) it, the handle closes it.
        var fd = Open(rootDirectory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Could not open the data directory '{rootDirectory}' (errno {Marshal.GetLastPInvokeError()}).");
        }

        _root = new SafeFileHandle(fd, ownsHandle: true);
        _device = Device(_root) ?? throw new IOException($"Could not read the device of the data directory '{rootDirectory}' (statx errno {Marshal.GetLastPInvokeError()}).");
        _dataSync = dataSync ?? FdataSyncOrError;
        _syncFileSystem = syncFileSystem ?? SyncFsOrError;
    }

    /// <summary>Whether rounds are used on this OS: Linux 5.8 or later (syncfs reports writeback errors).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 8);

    /// <summary>Callers waiting for a round (started or not). For tests.</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>Makes the data written to <paramref name="handle"/> durable: its own fdatasync, or a round's syncfs.</summary>
    /// <exception cref="IOException">The fdatasync or the round's syncfs failed: the data may not be on disk.</exception>
    public void DataSync(SafeFileHandle handle, string path)
    {
        if (Interlocked.Increment(ref _direct) <= DirectSyncs || Device(handle) != _device)
        {
            try
            {
                ThrowIfFailed(_dataSync(handle, path));
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _direct);
            }
        }

        Interlocked.Decrement(ref _direct);
        JoinRound(path);
    }

    private void JoinRound(string path)
    {
        Round round;
        lock (_gate)
        {
            round = _open ??= new Round();
            _waiting++;
            try
            {
                while (!round.Ended)
                {
                    if (!_syncing && _open == round)
                    {
                        // The round before has ended: this member leads its own round.
                        _syncing = true;
                        _open = null;
                        break;
                    }

                    Monitor.Wait(_gate);
                }
            }
            catch
            {
                _waiting--;
                throw;
            }
        }

        if (!round.Ended)
        {
            Exception? failure;
            try
            {
                failure = _syncFileSystem(_root);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            lock (_gate)
            {
                round.Failure = failure;
                round.Ended = true;
                _syncing = false;
                Monitor.PulseAll(_gate);
            }
        }

        lock (_gate)
        {
            _waiting--;
        }

        if (round.Failure is { } error)
        {
            throw new IOException($"Making '{path}' durable failed: the syncfs of its round failed ({error.Message}).", error);
        }
    }

    private static void ThrowIfFailed(Exception? failure)
    {
        if (failure is not null)
        {
            throw failure as IOException ?? new IOException(failure.Message, failure);
        }
    }

    private static Exception? FdataSyncOrError(SafeFileHandle handle, string path) =>
        FdataSync(handle) == 0 ? null : new IOException($"fdatasync of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");

    private static Exception? SyncFsOrError(SafeFileHandle handle) =>
        SyncFs(handle) == 0 ? null : new IOException($"syncfs failed (errno {Marshal.GetLastPInvokeError()}).");

    /// <summary>The device a file is on (statx's major:minor), or null when statx failed.</summary>
    private static ulong? Device(SafeFileHandle handle)
    {
        // struct statx is 256 bytes on every architecture; stx_dev_major and stx_dev_minor are the u32s at 136 and 140.
        var buffer = _statx ??= new byte[256];
        if (Statx(handle, string.Empty, AtEmptyPath, 0, buffer) != 0)
        {
            return null;
        }

        return ((ulong)MemoryMarshal.Read<uint>(buffer.AsSpan(136)) << 32) | MemoryMarshal.Read<uint>(buffer.AsSpan(140));
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FdataSync(SafeFileHandle fd);

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SyncFs(SafeFileHandle fd);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    /// <summary>One syncfs and its members; fields under the owner's gate.</summary>
    private sealed class Round
    {
        public bool Ended;

        public Exception? Failure;
    }
}
