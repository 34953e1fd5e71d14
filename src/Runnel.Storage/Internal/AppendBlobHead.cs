using System.Buffers.Binary;

namespace Runnel.Storage.Internal;

/// <summary>
/// The head of an append blob's data file: two metadata slots in front of the content, so that an append writes its
/// block and the next slot into ONE file and acknowledges after ONE fdatasync.
/// <code>
///   data file of an append blob (metadata version 2)
///   offset 0          SlotSize           HeadSize = 2 x SlotSize
///   +-----------------+------------------+---------------------------------------------------------------+
///   | slot 0          | slot 1           | content: byte i of the blob at HeadSize + i; committed length  |
///   |                 |                  | bytes, then possibly an unacknowledged tail nobody reads        |
///   +-----------------+------------------+---------------------------------------------------------------+
///
///   slot (big-endian; a slot is only as long as its JSON needs, the rest of its SlotSize is unused)
///   0        4           12          28                 36                 40                44          48      52
///   +--------+-----------+-----------+------------------+------------------+-----------------+-----------+-------+------+
///   | "RNAH" | sequence  | boot id   | last block       | last block       | last block      | json      | crc32c| json |
///   |        | u64       | 16 bytes  | offset u64       | length u32       | crc32c u32      | length u32|  u32  |      |
///   +--------+-----------+-----------+------------------+------------------+-----------------+-----------+-------+------+
///   boot id:     /proc/sys/kernel/random/boot_id of the boot that wrote the slot
///   last block:  where the newest appended block is in the content, and the CRC-32C of its bytes (length 0: none)
///   crc32c:      over bytes 4..44 and the json; json: the blob's metadata (<see cref="BlobMetadata"/>)
/// </code>
/// <para>Commit (under the blob's lock): write the block at <c>HeadSize + length</c>, then the slot that does NOT
/// hold the state read (sequence + 1), then one fdatasync of the file. The kernel may persist those writes in any
/// order, so after an OS crash the slot can be on disk without its block; the slot therefore names its last block
/// and that block's CRC.</para>
/// <para>Reading (<c>FileObjectStore.ReadAppendHead</c>): take the valid slot (magic, CRC) with the highest
/// sequence. If it was written during the current boot the OS has not crashed since, the page cache is the truth,
/// and it is trusted as is. Otherwise its last block must match its CRC in the file; if not, that slot's commit never
/// completed its fdatasync, so it was never acknowledged, and the other slot is used (after the same check). The
/// other slot is safe to fall back to because a writer never writes a slot before the state it read is on disk:
/// either its own fdatasync of that state returned, the state was verified from disk after a reboot, or the writer
/// first fdatasyncs the file (a state another process wrote in this boot, possibly killed before its sync).</para>
/// </summary>
internal static class AppendBlobHead
{
    /// <summary>Room for the JSON of any blob's metadata: a 1,024-character name escaped as \uXXXX is ~6 KiB.</summary>
    public const int SlotSize = 16 * 1024;

    /// <summary>Bytes before the content: content offsets in the file are shifted by this.</summary>
    public const int HeadSize = 2 * SlotSize;

    /// <summary>Bytes of a slot before its JSON.</summary>
    public const int SlotHeaderSize = 52;

    private static readonly uint Magic = BinaryPrimitives.ReadUInt32BigEndian("RNAH"u8);

    /// <summary>Encodes a slot.</summary>
    /// <exception cref="InvalidDataException">The JSON does not fit a slot.</exception>
    public static byte[] Encode(ulong sequence, Guid bootId, AppendedBlock lastBlock, ReadOnlySpan<byte> json)
    {
        if (json.Length > SlotSize - SlotHeaderSize)
        {
            throw new InvalidDataException($"Metadata of {json.Length} bytes does not fit a {SlotSize}-byte slot.");
        }

        var slot = new byte[SlotHeaderSize + json.Length];
        BinaryPrimitives.WriteUInt32BigEndian(slot, Magic);
        BinaryPrimitives.WriteUInt64BigEndian(slot.AsSpan(4), sequence);
        bootId.TryWriteBytes(slot.AsSpan(12, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(slot.AsSpan(28), lastBlock.Offset);
        BinaryPrimitives.WriteInt32BigEndian(slot.AsSpan(36), lastBlock.Length);
        BinaryPrimitives.WriteUInt32BigEndian(slot.AsSpan(40), lastBlock.Crc);
        BinaryPrimitives.WriteUInt32BigEndian(slot.AsSpan(44), (uint)json.Length);
        json.CopyTo(slot.AsSpan(SlotHeaderSize));
        BinaryPrimitives.WriteUInt32BigEndian(slot.AsSpan(48), MetaFile.Crc(slot.AsSpan(4, 44), json));
        return slot;
    }

    /// <summary>The valid slots in <paramref name="head"/> (the first <see cref="HeadSize"/> bytes of the file, or
    /// fewer when the file is shorter), newest first. A slot whose magic, lengths or CRC do not check is left out.</summary>
    public static List<AppendSlot> ValidSlots(ReadOnlySpan<byte> head)
    {
        var slots = new List<AppendSlot>(2);
        for (var index = 0; index < 2; index++)
        {
            var start = index * SlotSize;
            if (head.Length < start + SlotHeaderSize)
            {
                continue;
            }

            var slot = head.Slice(start, Math.Min(SlotSize, head.Length - start));
            var jsonLength = BinaryPrimitives.ReadUInt32BigEndian(slot[44..]);
            var lastOffset = BinaryPrimitives.ReadInt64BigEndian(slot[28..]);
            var lastLength = BinaryPrimitives.ReadInt32BigEndian(slot[36..]);
            if (BinaryPrimitives.ReadUInt32BigEndian(slot) != Magic || jsonLength > (uint)(slot.Length - SlotHeaderSize)
                || MetaFile.Crc(slot.Slice(4, 44), slot.Slice(SlotHeaderSize, (int)jsonLength)) != BinaryPrimitives.ReadUInt32BigEndian(slot[48..])
                || lastOffset < 0 || lastLength < 0)
            {
                continue;
            }

            slots.Add(new AppendSlot(
                index,
                BinaryPrimitives.ReadUInt64BigEndian(slot[4..]),
                new Guid(slot.Slice(12, 16), bigEndian: true),
                new AppendedBlock(lastOffset, lastLength, BinaryPrimitives.ReadUInt32BigEndian(slot[40..])),
                slot.Slice(SlotHeaderSize, (int)jsonLength).ToArray()));
        }

        slots.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return slots;
    }

    /// <summary>CRC-32C of a block, as a slot records it.</summary>
    public static uint BlockCrc(ReadOnlySpan<byte> block) => MetaFile.Crc([], block);
}

/// <summary>Where a block is in an append blob's content, its length and CRC-32C; <see cref="Length"/> 0 for none.</summary>
internal readonly record struct AppendedBlock(long Offset, int Length, uint Crc);

/// <summary>One decoded, CRC-valid slot of an append blob's head.</summary>
internal sealed record AppendSlot(int Index, ulong Sequence, Guid BootId, AppendedBlock LastBlock, byte[] Json);
