using System.Diagnostics.CodeAnalysis;

namespace Runnel.Log.Internal;

/// <summary>
/// A compaction pass's key → latest-record map over the cleanable range: keys compared by their bytes (never by a
/// hash alone, so two keys can never be confused), each mapped to the offset of its latest record and whether that
/// record is a tombstone, with its timestamp. Lookups by span allocate nothing; each distinct key is copied once.
/// </summary>
/// <remarks>Memory is the distinct keys' bytes plus about 60 bytes per key. Kafka bounds its map to a fixed buffer of
/// 16-byte key hashes and cleans in several passes when the keys do not fit; this map is exact and unbounded, which a
/// partition with hundreds of millions of distinct keys would feel. Not thread-safe: one pass owns it.</remarks>
internal sealed class CompactionKeyMap
{
    private readonly Dictionary<byte[], Entry> _entries = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;

    public CompactionKeyMap()
    {
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>A key's latest record in the cleanable range.</summary>
    public readonly record struct Entry(long Offset, bool IsTombstone, long Timestamp);

    public int Count => _entries.Count;

    public IEnumerable<Entry> Entries => _entries.Values;

    /// <summary>Records that <paramref name="key"/> has a record at <paramref name="offset"/>, which is later than any
    /// recorded before (the caller walks the log in offset order).</summary>
    public void Put(ReadOnlySpan<byte> key, long offset, bool isTombstone, long timestamp) => _bySpan[key] = new Entry(offset, isTombstone, timestamp);

    public bool TryGet(ReadOnlySpan<byte> key, out Entry entry) => _bySpan.TryGetValue(key, out entry);

    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode([DisallowNull] byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
