using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Runnel.Storage.Internal;

namespace Runnel.Storage;

/// <summary>Append blobs: their state in the two slots at the head of the data file (Internal/AppendBlobHead.cs),
/// chosen and verified on read, committed with one fdatasync (or one round of the group sync, Internal/GroupSync.cs,
/// when many appends sync at once).</summary>
public sealed partial class FileObjectStore
{
    /// <summary>Bound on the durable-slot memo; past it the memo starts over (costing one verification or one extra
    /// fdatasync per blob touched again, never correctness). It must hold every append blob a silo writes in turn: at
    /// 4,096 a silo of 10,000 partitions (one active segment each, issue "Runnel on Orleans", target "Many
    /// partitions") cleared it every 4,096 appends and paid 1.8 fdatasyncs per append instead of 1 (perf count of
    /// partitions.sh's keyed phase, docs/benchmarks.md). An entry is a data file's path and a sequence, about 250 B:
    /// at most ~8 MB.</summary>
    private const int MaxDurableEntries = 32_768;

    /// <summary>Data file path → the sequence of the slot this store knows is on disk with its data: it fdatasynced
    /// it itself, or verified it from disk after a reboot. A writer overwrites the other slot only when the slot it
    /// read is known durable; otherwise it fdatasyncs first.</summary>
    private readonly ConcurrentDictionary<string, ulong> _durableSlots = new(StringComparer.Ordinal);

    private long _appendBlobSyncs;

    /// <summary>How many fdatasyncs this store has issued on append blobs' data files (commits, and the syncs that
    /// make a state another store wrote durable before building on it). For tests.</summary>
    internal long AppendBlobSyncs => Interlocked.Read(ref _appendBlobSyncs);

    /// <summary>Opens the append blob <paramref name="name"/> for a write (caller holds its lock) and reads its head.</summary>
    /// <exception cref="BlobNotFoundException">No such blob.</exception>
    /// <exception cref="StorageConflictException">A block blob (<paramref name="blockBlobConflict"/> says why that fails).</exception>
    private OpenAppendBlob OpenForAppend(string directory, string name, string blockBlobConflict)
    {
        var pointer = ReadPointer(directory, name) ?? throw new BlobNotFoundException(name);
        if (pointer.Kind != BlobKind.Append)
        {
            throw new StorageConflictException(name, blockBlobConflict);
        }

        var path = Path.Combine(directory, pointer.DataFile);
        var handle = TryOpenData(path, FileAccess.ReadWrite)
            ?? throw new StorageCorruptException(name, $"'{directory}' names the data file '{pointer.DataFile}', which does not exist. Restore the directory from a copy, or delete it to drop the blob.");
        try
        {
            return new OpenAppendBlob(handle, path, name, ReadAppendHead(handle, path, name));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The state of an append blob from the head of its data file: the newest CRC-valid slot that is either
    /// from the current boot (trusted: the page cache holds everything written before it) or whose last block
    /// matches its CRC in the file; else the other slot, under the same rule.</summary>
    /// <exception cref="StorageCorruptException">No slot qualifies.</exception>
    private AppendHead ReadAppendHead(SafeFileHandle data, string path, string name)
    {
        var head = ArrayPool<byte>.Shared.Rent(AppendBlobHead.HeadSize);
        List<AppendSlot> slots;
        try
        {
            var read = 0;
            while (read < AppendBlobHead.HeadSize)
            {
                var n = RandomAccess.Read(data, head.AsSpan(read, AppendBlobHead.HeadSize - read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            slots = AppendBlobHead.ValidSlots(head.AsSpan(0, read));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }

        var rejected = new List<string>(2);
        foreach (var slot in slots)
        {
            var directory = Path.GetDirectoryName(path)!;
            if (slot.BootId == _bootId)
            {
                return new AppendHead(slot, ParseSlotMeta(slot, directory, name), IsDurable(path, slot.Sequence));
            }

            if (IsDurable(path, slot.Sequence))
            {
                return new AppendHead(slot, ParseSlotMeta(slot, directory, name), IsDurable: true);
            }

            if (LastBlockIsOnDisk(data, slot.LastBlock))
            {
                // Read after a reboot, the slot and its block came from the disk. Without a real boot id the "other
                // boot" may be this one (another store instance), so the bytes may be in the page cache only.
                if (_bootIdIsReal)
                {
                    MarkDurable(path, slot.Sequence);
                }

                return new AppendHead(slot, ParseSlotMeta(slot, directory, name), IsDurable: _bootIdIsReal);
            }

            rejected.Add($"slot {slot.Index} (sequence {slot.Sequence}, written in boot {slot.BootId}) records a last block at {slot.LastBlock.Offset}+{slot.LastBlock.Length} that is not in the file");
        }

        var why = rejected.Count == 0 ? "neither slot of its head is valid (magic, CRC)" : $"no slot of its head verifies: {string.Join("; ", rejected)}";
        throw new StorageCorruptException(name, $"the data file '{path}' of this append blob is damaged: {why}. Restore the blob directory from a copy, or delete it to drop the blob.");
    }

    private static BlobMetadata ParseSlotMeta(AppendSlot slot, string directory, string name)
    {
        var meta = ParseMeta(slot.Json, directory, name);
        if (meta.Kind != BlobKind.Append || meta.Version != BlobMetadata.CurrentVersion)
        {
            throw new StorageCorruptException(name, $"slot {slot.Index} of the data file in '{directory}' is not version {BlobMetadata.CurrentVersion} append blob metadata.");
        }

        return meta;
    }

    /// <summary>Whether the block a slot records is in the file with the CRC the slot recorded.</summary>
    private static bool LastBlockIsOnDisk(SafeFileHandle data, AppendedBlock block)
    {
        if (block.Length == 0)
        {
            return true;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(block.Length);
        try
        {
            var span = buffer.AsSpan(0, block.Length);
            var done = 0;
            while (done < span.Length)
            {
                var n = RandomAccess.Read(data, span[done..], AppendBlobHead.HeadSize + block.Offset + done);
                if (n == 0)
                {
                    return false; // the file ends inside the block: it never reached the disk
                }

                done += n;
            }

            return AppendBlobHead.BlockCrc(span) == block.Crc;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Commits <paramref name="next"/> into the slot the blob's head did not read from, with sequence + 1,
    /// and fdatasyncs the data file: the one sync that also covers a block written just before. The caller holds the
    /// blob's lock and has written the block (if any) already.</summary>
    private void CommitSlot(OpenAppendBlob blob, BlobMetadata next, AppendedBlock lastBlock)
    {
        var current = blob.Head.Slot;
        if (!blob.Head.IsDurable)
        {
            // Written in this boot by another store (maybe a process killed before its fdatasync): make it durable
            // before overwriting the other slot, the fallback a reader after a crash would need.
            Interlocked.Increment(ref _appendBlobSyncs);
            DataSync(blob);
            MarkDurable(blob.Path, current.Sequence);
        }

        var sequence = current.Sequence + 1;
        var target = (long)(1 - current.Index) * AppendBlobHead.SlotSize;
        RandomAccess.Write(blob.Handle, AppendBlobHead.Encode(sequence, _bootId, lastBlock, SerializeMeta(next)), target);
        try
        {
            Interlocked.Increment(ref _appendBlobSyncs);
            DataSync(blob);
        }
        catch (IOException)
        {
            // The kernel may have dropped the failed pages: withdraw the slot so that no later commit builds on a
            // state that may not be on disk (readers fall back to the slot read, which is).
            try
            {
                RandomAccess.Write(blob.Handle, new byte[AppendBlobHead.SlotHeaderSize], target);
                MetaFile.DataSync(blob.Handle, blob.Path);
            }
            catch (IOException)
            {
                // Still failing: in this boot the zeroed slot is what readers see; after a reboot the slot's block
                // check decides.
            }

            throw;
        }

        MarkDurable(blob.Path, sequence);
    }

    /// <summary>Callers waiting for a round of the group sync. For tests.</summary>
    internal int GroupSyncWaiting => _groupSync?.Waiting ?? 0;

    /// <summary>Makes what was written to the blob's data file durable: with other appends' files in a round of the
    /// group sync when many sync at once, else its own fdatasync.</summary>
    /// <exception cref="IOException">The sync failed: the writes may not be on disk.</exception>
    private void DataSync(OpenAppendBlob blob)
    {
        if (_groupSync is { } group)
        {
            group.DataSync(blob.Handle, blob.Path);
        }
        else
        {
            MetaFile.DataSync(blob.Handle, blob.Path);
        }
    }

    private bool IsDurable(string path, ulong sequence) => _durableSlots.TryGetValue(path, out var durable) && durable == sequence;

    private void MarkDurable(string path, ulong sequence)
    {
        if (_durableSlots.Count >= MaxDurableEntries)
        {
            _durableSlots.Clear();
        }

        _durableSlots[path] = sequence;
    }

    /// <summary>The chosen slot of an append blob's head, its metadata, and whether this store knows it is on disk.</summary>
    private sealed record AppendHead(AppendSlot Slot, BlobMetadata Meta, bool IsDurable);

    /// <summary>An append blob's data file open for a write, with the head read under the blob's lock.</summary>
    private sealed class OpenAppendBlob(SafeFileHandle handle, string path, string name, AppendHead head) : IDisposable
    {
        public SafeFileHandle Handle { get; } = handle;

        public string Path { get; } = path;

        public string Name { get; } = name;

        public AppendHead Head { get; } = head;

        public void Dispose() => Handle.Dispose();
    }
}
