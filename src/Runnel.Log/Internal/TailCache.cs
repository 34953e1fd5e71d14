using Runnel.Buffers;

namespace Runnel.Log.Internal;

/// <summary>
/// The most recently appended blocks of the active segment, in offset order, bounded in bytes, so that consumers at
/// the tail are served from memory. Blocks are immutable once added. Not thread-safe: the log guards it.
/// </summary>
/// <remarks>A block whose bytes are a <see cref="PooledBuffer"/> comes with one reference, which the cache holds until it
/// evicts the block (or is cleared); every read that answers with a slice of such a block takes a reference of its own
/// for the caller, so a block goes back to the pool only when the cache and every reader are done with it.</remarks>
internal sealed class TailCache(long capacityBytes)
{
    private readonly LinkedList<Block> _blocks = new();
    private long _bytes;

    /// <summary>An appended block: whole batches from <see cref="BaseOffset"/> to <see cref="LastOffset"/>.</summary>
    public sealed record Block(long BaseOffset, long LastOffset, ReadOnlyMemory<byte> Data);

    /// <summary>The bytes of the arrays the cached blocks hold (at least their lengths): what the cache keeps in memory.</summary>
    public long RetainedBytes => _blocks.Sum(b => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(b.Data, out var array) ? array.Array!.Length : b.Data.Length);

    public void Add(Block block)
    {
        if (capacityBytes <= 0)
        {
            Release(block);
            return;
        }

        _blocks.AddLast(block);
        _bytes += block.Data.Length;
        while (_bytes > capacityBytes && _blocks.First is { } first && first != _blocks.Last)
        {
            _bytes -= first.Value.Data.Length;
            _blocks.RemoveFirst();
            Release(first.Value);
        }
    }

    /// <summary>Drops the oldest blocks while they end at or before <paramref name="lastOffset"/> (a range compaction
    /// replaced: reads of it go to the compacted segments from then on).</summary>
    public void DropThrough(long lastOffset)
    {
        while (_blocks.First is { } first && first.Value.LastOffset <= lastOffset)
        {
            _bytes -= first.Value.Data.Length;
            _blocks.RemoveFirst();
            Release(first.Value);
        }
    }

    /// <summary>Drops every block (releasing the cache's references).</summary>
    public void Clear()
    {
        foreach (var block in _blocks)
        {
            Release(block);
        }

        _blocks.Clear();
        _bytes = 0;
    }

    private static void Release(Block block)
    {
        if (PooledBuffer.TryGetFrom(block.Data, out var pooled))
        {
            pooled.Release();
        }
    }

    /// <summary>Whole batches starting with the one that holds <paramref name="offset"/>, up to
    /// <paramref name="maxBytes"/> (at least one batch), or false when the cache does not reach back that far. The answer
    /// is a slice of one block when that block gives at least half of <paramref name="maxBytes"/> (or all there is);
    /// only a read that needs several blocks to get there is joined into a new buffer. A slice of a pooled block carries
    /// a reference taken for the caller (see the remarks).</summary>
    public bool TryRead(long offset, int maxBytes, out ReadOnlyMemory<byte> batches)
    {
        batches = default;
        if (_blocks.First is null || offset < _blocks.First.Value.BaseOffset)
        {
            return false;
        }

        var node = _blocks.First;
        while (node is not null && node.Value.LastOffset < offset)
        {
            node = node.Next;
        }

        if (node is null)
        {
            return false;
        }

        var first = node.Value.Data;
        var start = 0;
        while (BatchFraming.LastOffset(first.Span[start..]) < offset)
        {
            start += BatchFraming.TotalSize(first.Span[start..]);
        }

        // Zero-copy (a slice of the block) when the block holds the whole answer, or at least half the budget: a
        // fetch may return less than its budget, and a shorter answer costs the consumer one more round trip where
        // joining blocks costs a fresh buffer and a copy of every byte (in a catch-up read, nearly every fetch).
        var take = WholeBatchesWithin(first[start..], maxBytes);
        if (take < first.Length - start || node.Next is null || take >= maxBytes / 2)
        {
            batches = first.Slice(start, take);
            if (PooledBuffer.TryGetFrom(first, out var pooled))
            {
                pooled.AddReference();
            }

            return true;
        }

        // Spans blocks: copy whole batches into one buffer (the common case above is zero-copy).
        var parts = new List<ReadOnlyMemory<byte>> { first[start..] };
        var total = first.Length - start;
        for (var next = node.Next; next is not null && total < maxBytes; next = next.Next)
        {
            var part = WholeBatchesWithin(next.Value.Data, maxBytes - total, atLeastOne: false);
            if (part == 0)
            {
                break;
            }

            parts.Add(next.Value.Data[..part]);
            total += part;
            if (part < next.Value.Data.Length)
            {
                break; // the rest of this block did not fit: a later block would leave a gap
            }
        }

        var buffer = new byte[total];
        var at = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(buffer.AsSpan(at));
            at += part.Length;
        }

        batches = buffer;
        return true;
    }

    /// <summary>How many leading bytes of <paramref name="data"/> are whole batches fitting in <paramref name="maxBytes"/>
    /// (at least the first batch when <paramref name="atLeastOne"/>).</summary>
    public static int WholeBatchesWithin(ReadOnlyMemory<byte> data, int maxBytes, bool atLeastOne = true)
    {
        var span = data.Span;
        var taken = 0;
        while (taken + BatchFraming.LengthFieldEnd <= span.Length)
        {
            var size = BatchFraming.TotalSize(span[taken..]);
            if (taken + size > span.Length || (taken + size > maxBytes && !(atLeastOne && taken == 0)))
            {
                break;
            }

            taken += size;
        }

        return taken;
    }
}
