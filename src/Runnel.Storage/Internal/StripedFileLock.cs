using System.Collections.Concurrent;
using System.Globalization;

namespace Runnel.Storage.Internal;

/// <summary>
/// Mutual exclusion per blob, across threads and across processes on one host: a name hashes (stably, FNV-1a) to
/// one of <see cref="StripeCount"/> lock files of its top-level folder (<c>{folder}.{stripe}.lock</c>), held open with <see cref="FileShare.None"/> for the duration of a
/// check-and-write (on Unix .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for that; on Windows it is a sharing lock).
/// The kernel drops the lock when its holder dies, so a killed process never leaves a blob locked.
/// Threads of one process queue on a semaphore per lock file first, so only other processes cause polling.
/// Lock files are never deleted: deleting a lock file another process has open would let two holders in.
/// Each top-level folder has stripes of its own because a holder can hang (a SIGSTOPped process keeps its locks until it
/// runs again or dies): a cluster's membership blob (<c>clusters/…</c>) that shared a stripe with a partition segment
/// (<c>topics/…</c>) the hung silo was appending to could not be written until it resumed, and that write is the one
/// that declares the hung silo dead (measured in the chaos harness: a 7 s wait, ended by SIGCONT).
/// </summary>
internal sealed class StripedFileLock
{
    /// <summary>Stripes: enough that unrelated blobs rarely share one, few enough that the files stay a handful.</summary>
    public const int StripeCount = 1024;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(20);

    private readonly string _directory;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _local = new(StringComparer.Ordinal);

    public StripedFileLock(string directory, TimeSpan timeout)
    {
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled) && disabled
            || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true")
        {
            throw new InvalidOperationException(
                "The file object store needs OS file locks to make conditional writes atomic across processes, and file locking is disabled (System.IO.DisableFileLocking / DOTNET_SYSTEM_IO_DISABLEFILELOCKING).");
        }

        _directory = directory;
        _timeout = timeout;
    }

    /// <summary>Takes the lock of <paramref name="name"/>'s stripe; dispose the result to release it.</summary>
    /// <exception cref="StorageUnavailableException">The lock was not free within the timeout.</exception>
    public async ValueTask<Holder> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        var fileName = FileName(name, Stripe(name));
        var local = _local.GetOrAdd(fileName, static _ => new SemaphoreSlim(1, 1));
        if (!await local.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
        {
            throw Busy(name);
        }

        try
        {
            var path = Path.Combine(_directory, fileName);
            var deadline = Environment.TickCount64 + (long)_timeout.TotalMilliseconds;
            var backoff = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                var file = TryOpenExclusive(path);
                if (file is not null)
                {
                    return new Holder(local, file);
                }

                if (Environment.TickCount64 > deadline)
                {
                    throw Busy(name);
                }

                // Another process holds the stripe; the OS gives no wake-up for flock(LOCK_NB), so back off and poll.
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
        catch
        {
            local.Release();
            throw;
        }
    }

    /// <summary>The stripe of a name: FNV-1a over its UTF-16 code units, the same in every process.</summary>
    public static int Stripe(string name) => (int)(Hash(name) % StripeCount);

    private static uint Hash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>The lock file of <paramref name="name"/>'s stripe: <c>{folder}.{stripe:x3}.lock</c>, its top-level folder
    /// as it is when made of ASCII letters, digits, '-' and '_' (at most 64), otherwise <c>x</c> and the folder's hash.</summary>
    internal static string FileName(string name, int stripe)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var folder = slash < 0 ? "" : name[..slash];
        if (folder.Length > 64 || !folder.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            folder = "x" + Hash(folder).ToString("x8", CultureInfo.InvariantCulture);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{folder}.{stripe:x3}.lock");
    }

    private static FileStream? TryOpenExclusive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            return null;
        }
    }

    private StorageUnavailableException Busy(string name) =>
        new(name, $"the blob's lock under '{_directory}' was not free within {_timeout.TotalSeconds:0.#} s", isOutcomeUnknown: false);

    /// <summary>A held stripe lock. Dispose exactly once.</summary>
    public readonly struct Holder(SemaphoreSlim local, FileStream file) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose();
            local.Release();
        }
    }
}
