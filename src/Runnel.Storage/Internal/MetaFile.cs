using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Runnel.Storage.Internal;

/// <summary>
/// The two-slot metadata format, in its two places: a blob directory's <c>meta</c> file (this class), and the head
/// of an append blob's data file (<see cref="AppendBlobHead"/>, same idea with fields to verify the last block).
/// Either way a commit is one in-place write and one fdatasync (no temp file, rename or directory fsync):
/// <code>
///   blob directory
///     meta                          block blob: its committed metadata (kind, generation, data file, length, lease)
///                                   append blob: names the data file; the blob's state lives in that file's head
///     d-&lt;incarnation&gt;-&lt;gen&gt;         block blob: the content
///                                   append blob: [head: slot 0 | slot 1][content ...]   (see AppendBlobHead)
///
///   meta file:
///   offset 0            offset SlotSize
///   +-------------------+-------------------+
///   | slot 0            | slot 1            |
///   +-------------------+-------------------+
///   slot: "RNMS" | sequence u64 | length u32 | crc32c u32 | json (length bytes)      (big-endian)
///         the CRC-32C covers sequence, length and json
/// </code>
/// A commit writes the slot that does NOT hold the newest valid state, with sequence + 1 (the file is created with
/// slot 0 only, so the second commit extends it with slot 1). A crash mid-write tears only that
/// slot, whose CRC then fails, and readers take the other one: the state before the commit, which was never
/// acknowledged. Readers take the valid slot with the highest sequence. The first commit of a new file still goes
/// through write-temp, fsync, rename, fsync-directory, so the file appears whole.
/// Callers hold the blob's lock for writes; readers need no lock (a slot being written fails its CRC).
/// </summary>
internal static class MetaFile
{
    /// <summary>Room for the JSON of any blob's metadata: a 1,024-character name escaped as \uXXXX is ~6 KiB.</summary>
    public const int SlotSize = 16 * 1024;

    private const int HeaderSize = 4 + 8 + 4 + 4;
    private static readonly uint Magic = BinaryPrimitives.ReadUInt32BigEndian("RNMS"u8);

    /// <summary>The newest valid slot's JSON; null when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">Neither slot is valid.</exception>
    public static byte[]? Read(string path)
    {
        // Checked first: a blob that does not exist is the common case of every create and of a get that misses, and
        // an exception per miss (with its message formatted from errno) cost more than the stat. The catch stays for a
        // file deleted between the two.
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var best = Newest(file, out var json, out _);
        return best >= 0 ? json : throw new InvalidDataException($"Neither metadata slot of '{path}' is valid.");
    }

    /// <summary>Commits <paramref name="json"/> durably: in place into the older slot when the file exists, else by creating it.</summary>
    public static void Write(string path, string tempPath, ReadOnlySpan<byte> json)
    {
        if (json.Length > SlotSize - HeaderSize)
        {
            throw new InvalidDataException($"Metadata of {json.Length} bytes does not fit a {SlotSize}-byte slot.");
        }

        SafeFileHandleOwner? existing = null;
        try
        {
            existing = SafeFileHandleOwner.TryOpen(path);
            if (existing is null)
            {
                var slot = Slot(sequence: 1, json);
                DurableFile.ReplaceAtomically(path, tempPath, slot);
                return;
            }

            // Both slots are validated before choosing: overwriting the only valid slot would lose the blob.
            var current = new byte[2 * SlotSize];
            var read = RandomAccess.Read(existing.Handle, current, 0);
            var newest = Newest(current.AsSpan(0, read), out _, out var newestSlot);
            var sequence = (ulong)Math.Max(newest, 0) + 1;
            var target = (long)(newestSlot == 0 ? 1 : 0) * SlotSize;
            RandomAccess.Write(existing.Handle, Slot(sequence, json), target);
            DataSync(existing.Handle, path);
        }
        finally
        {
            existing?.Dispose();
        }
    }

    private static byte[] Slot(ulong sequence, ReadOnlySpan<byte> json)
    {
        var slot = new byte[HeaderSize + json.Length];
        BinaryPrimitives.WriteUInt32BigEndian(slot, Magic);
        BinaryPrimitives.WriteUInt64BigEndian(slot.AsSpan(4), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(slot.AsSpan(12), (uint)json.Length);
        json.CopyTo(slot.AsSpan(HeaderSize));
        BinaryPrimitives.WriteUInt32BigEndian(slot.AsSpan(16), Crc(slot.AsSpan(4, 12), json));
        return slot;
    }

    /// <summary>The highest valid slot sequence (-1 when neither slot is valid), its JSON and its slot index (-1 when none).</summary>
    private static long Newest(ReadOnlySpan<byte> file, out byte[] json, out int bestSlot)
    {
        json = [];
        bestSlot = -1;
        long best = -1;
        for (var slot = 0; slot < 2; slot++)
        {
            var start = slot * SlotSize;
            if (file.Length < start + HeaderSize)
            {
                continue;
            }

            var header = file[start..];
            var length = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
            var sequence = BinaryPrimitives.ReadUInt64BigEndian(header[4..]);
            if (BinaryPrimitives.ReadUInt32BigEndian(header) != Magic || length > SlotSize - HeaderSize
                || file.Length < start + HeaderSize + length || sequence > long.MaxValue || (long)sequence <= best)
            {
                continue;
            }

            var body = header.Slice(HeaderSize, (int)length);
            if (Crc(header.Slice(4, 12), body) == BinaryPrimitives.ReadUInt32BigEndian(header[16..]))
            {
                best = (long)sequence;
                bestSlot = slot;
                json = body.ToArray();
            }
        }

        return best;
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="header"/> followed by <paramref name="body"/>.</summary>
    public static uint Crc(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        var crc = Update(0xFFFFFFFFu, header);
        return ~Update(crc, body);
    }

    /// <summary>fdatasync of <paramref name="handle"/>; throws <see cref="IOException"/> naming <paramref name="path"/> on failure.</summary>
    public static void DataSync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        if (FdataSync(handle) != 0)
        {
            throw new IOException($"fdatasync of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FdataSync(Microsoft.Win32.SafeHandles.SafeFileHandle fd);

    /// <summary>An open read-write handle on an existing file.</summary>
    private sealed class SafeFileHandleOwner : IDisposable
    {
        private SafeFileHandleOwner(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => Handle = handle;

        public Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; }

        public static SafeFileHandleOwner? TryOpen(string path)
        {
            if (!File.Exists(path))
            {
                return null; // a new blob's first metadata: no exception for the common case (see Read)
            }

            try
            {
                return new SafeFileHandleOwner(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
        }

        public void Dispose() => Handle.Dispose();
    }
}
