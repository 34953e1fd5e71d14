using System.Runtime.InteropServices;

namespace Runnel.Storage.Internal;

/// <summary>
/// Durable file operations: write-and-fsync, atomic replace (write temp, fsync, rename, fsync directory) and the
/// directory fsync .NET does not offer (a <see cref="FileStream"/> refuses to open a directory).
/// </summary>
internal static partial class DurableFile
{
    private const int ReadOnly = 0;

    /// <summary>Creates (or truncates) <paramref name="path"/>, writes <paramref name="content"/> and fsyncs it.
    /// Does not make the directory entry durable: see <see cref="SyncDirectory"/>.</summary>
    public static void WriteAndSync(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically and durably: a reader or a
    /// crash sees the old file or the new one, never a mix. <paramref name="tempPath"/> must be in the same
    /// directory and not used by anyone else (the caller holds the blob's lock).</summary>
    public static void ReplaceAtomically(string path, string tempPath, ReadOnlySpan<byte> content)
    {
        WriteAndSync(tempPath, content);
        File.Move(tempPath, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Deletes <paramref name="path"/> and makes the deletion durable.</summary>
    public static void DeleteDurably(string path)
    {
        File.Delete(path);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>fsyncs a directory so that entries created, renamed or deleted in it survive a power loss.
    /// A no-op on Windows, where NTFS journals directory changes and a directory cannot be flushed this way.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Could not open directory '{directory}' to fsync it (errno {errno}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Could not fsync directory '{directory}' (errno {errno}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
