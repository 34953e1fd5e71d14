using Runnel.Buffers;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Log.Internal;

/// <summary>
/// Writes one compacted segment into the staging area: an append blob created with <c>If-None-Match: *</c>, filled
/// with blocks of whole batches (each at most the log's block size, Azure's 4 MiB Append Block cap) at checked append
/// positions, then sealed so that nothing can change it afterwards. Batches are written to <see cref="Pending"/>, then
/// <see cref="OnBatchWritten"/> indexes each and <see cref="FlushAsync"/> ships full blocks. Not thread-safe.
/// </summary>
internal sealed class StagedSegmentWriter(IObjectStore store, string name, int maxBlockBytes, int indexIntervalBytes, Func<Func<CancellationToken, Task>, CancellationToken, Task> retry) : IDisposable
{
    private PooledBufferWriter _pending = new(maxBlockBytes);
    private long _flushed;
    private bool _created;

    public string Name => name;

    /// <summary>Where the next batch goes. Invalid after <see cref="FlushAsync"/> (take it again).</summary>
    public PooledBufferWriter Pending => _pending;

    /// <summary>The index of what was written, as readers will use it.</summary>
    public SegmentIndex Index { get; } = new();

    /// <summary>Bytes written so far, flushed or not.</summary>
    public long Length => _flushed + _pending.WrittenCount;

    /// <summary>Indexes the batch just written to <see cref="Pending"/> at <paramref name="start"/>.</summary>
    public void OnBatchWritten(int start)
    {
        var header = RecordBatchHeader.Read(_pending.WrittenSpan[start..]);
        Index.OnBatch(header.BaseOffset, _flushed + start, header.MaxTimestamp, indexIntervalBytes);
    }

    /// <summary>Creates the blob (first call) and appends every full block; with <paramref name="final"/>, the rest
    /// too, and seals the blob.</summary>
    public async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        if (!_created)
        {
            await retry(async ct => await store.CreateAppendBlobAsync(name, BlobCondition.IfNotExists, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            _created = true;
        }

        var sent = 0;
        var data = _pending.WrittenMemory;
        while (data.Length - sent >= maxBlockBytes || (final && sent < data.Length))
        {
            // Whole batches up to a block; a batch larger than a block alone, in parts of at most a block.
            var block = data.Slice(sent, TailCache.WholeBatchesWithin(data[sent..], maxBlockBytes));
            for (var part = 0; part < block.Length; part += maxBlockBytes)
            {
                await AppendAsync(block.Slice(part, Math.Min(maxBlockBytes, block.Length - part)), cancellationToken).ConfigureAwait(false);
            }

            sent += block.Length;
        }

        if (sent > 0)
        {
            var rest = new PooledBufferWriter(Math.Max(maxBlockBytes, data.Length - sent));
            rest.Write(data.Span[sent..]);
            _pending.Dispose();
            _pending = rest;
        }

        if (final)
        {
            await retry(async ct => await store.SealAsync(name, cancellationToken: ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _pending.Dispose();

    private async Task AppendAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var position = _flushed;
        await retry(
            async ct =>
            {
                try
                {
                    await store.AppendBlockAsync(name, block, AppendCondition.AtPosition(position), ct).ConfigureAwait(false);
                }
                catch (PreconditionFailedException ex) when (ex.Kind == PreconditionKind.AppendPosition)
                {
                    // A retry of an append whose response was lost: it landed if the blob ends where it would have.
                    // Anything else is caught by the read-back validation before the swap.
                    var properties = await store.GetPropertiesAsync(name, ct).ConfigureAwait(false);
                    if (properties.Length != position + block.Length)
                    {
                        throw;
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        _flushed += block.Length;
    }
}
