using System.Buffers.Binary;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>
/// The sparse indexes of one segment, kept in memory as one list of entries taken at batch starts every
/// <see cref="PartitionLogOptions.IndexIntervalBytes"/> bytes. Each entry says: the batch with base offset
/// <see cref="Entry.Offset"/> starts at <see cref="Entry.Position"/>, and every record before it has a timestamp
/// no larger than <see cref="Entry.MaxTimestampBefore"/>. The first batch of a segment is always an entry.
/// Sealed segments persist it as two blobs:
/// <code>
/// .index:      "RNIX" | version u8 = 1 | count i32 | count × (offset i64, position i64)            | crc32c u32
/// .timeindex:  "RNTX" | version u8 = 1 | count i32 | count × (maxTimestampBefore i64, offset i64) | crc32c u32
/// </code>
/// (big-endian; the CRC-32C covers everything before it). Not thread-safe: the owner guards it.
/// </summary>
internal sealed class SegmentIndex
{
    private const int Version = 1;
    private static readonly byte[] OffsetMagic = "RNIX"u8.ToArray();
    private static readonly byte[] TimeMagic = "RNTX"u8.ToArray();

    private readonly List<Entry> _entries = [];
    private long _lastEntryPosition = long.MinValue;
    private long _maxTimestamp = -1;

    public readonly record struct Entry(long Offset, long Position, long MaxTimestampBefore);

    public int Count => _entries.Count;

    /// <summary>The largest timestamp of any batch added so far (-1 if none).</summary>
    public long MaxTimestamp => _maxTimestamp;

    /// <summary>Records a batch appended at <paramref name="position"/>; keeps an entry when the interval has passed.</summary>
    public void OnBatch(long baseOffset, long position, long maxTimestamp, int intervalBytes)
    {
        if (_entries.Count == 0 || position - _lastEntryPosition >= intervalBytes)
        {
            _entries.Add(new Entry(baseOffset, position, _maxTimestamp));
            _lastEntryPosition = position;
        }

        _maxTimestamp = Math.Max(_maxTimestamp, maxTimestamp);
    }

    /// <summary>The position of the last indexed batch whose base offset is at most <paramref name="offset"/>
    /// (0 when none is): a read for <paramref name="offset"/> starts there.</summary>
    public long FloorPosition(long offset)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].Offset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? 0 : _entries[found].Position;
    }

    /// <summary>The position from which a scan finds the first record with a timestamp at or after
    /// <paramref name="timestamp"/>: the last entry before which every record is older.</summary>
    public long TimestampStartPosition(long timestamp)
    {
        var position = 0L;
        foreach (var entry in _entries)
        {
            if (entry.MaxTimestampBefore >= timestamp)
            {
                break;
            }

            position = entry.Position;
        }

        return position;
    }

    public byte[] SerializeOffsets() => Serialize(OffsetMagic, static e => (e.Offset, e.Position));

    public byte[] SerializeTimes() => Serialize(TimeMagic, static e => (e.MaxTimestampBefore, e.Offset));

    /// <summary>Rebuilds the index from its two blobs; null when either is damaged or they disagree (the caller
    /// then rebuilds it by scanning the segment).</summary>
    public static SegmentIndex? TryDeserialize(ReadOnlySpan<byte> offsets, ReadOnlySpan<byte> times, long segmentMaxTimestamp)
    {
        if (!TryRead(offsets, OffsetMagic, out var offsetPairs) || !TryRead(times, TimeMagic, out var timePairs) || offsetPairs.Count != timePairs.Count)
        {
            return null;
        }

        var index = new SegmentIndex { _maxTimestamp = segmentMaxTimestamp };
        for (var i = 0; i < offsetPairs.Count; i++)
        {
            if (timePairs[i].B != offsetPairs[i].A)
            {
                return null;
            }

            index._entries.Add(new Entry(offsetPairs[i].A, offsetPairs[i].B, timePairs[i].A));
            index._lastEntryPosition = offsetPairs[i].B;
        }

        return index;
    }

    private byte[] Serialize(byte[] magic, Func<Entry, (long A, long B)> project)
    {
        var size = 4 + 1 + 4 + (_entries.Count * 16) + 4;
        var buffer = new byte[size];
        magic.CopyTo(buffer, 0);
        buffer[4] = Version;
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(5), _entries.Count);
        var at = 9;
        foreach (var entry in _entries)
        {
            var (a, b) = project(entry);
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at), a);
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at + 8), b);
            at += 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(at), Crc32C.Compute(buffer.AsSpan(0, at)));
        return buffer;
    }

    private static bool TryRead(ReadOnlySpan<byte> data, byte[] magic, out List<(long A, long B)> pairs)
    {
        pairs = [];
        if (data.Length < 13 || !data[..4].SequenceEqual(magic) || data[4] != Version)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(data[5..]);
        if (count < 0 || data.Length != 13 + ((long)count * 16))
        {
            return false;
        }

        var crcAt = data.Length - 4;
        if (Crc32C.Compute(data[..crcAt]) != BinaryPrimitives.ReadUInt32BigEndian(data[crcAt..]))
        {
            return false;
        }

        for (var at = 9; at < crcAt; at += 16)
        {
            pairs.Add((BinaryPrimitives.ReadInt64BigEndian(data[at..]), BinaryPrimitives.ReadInt64BigEndian(data[(at + 8)..])));
        }

        return true;
    }
}
