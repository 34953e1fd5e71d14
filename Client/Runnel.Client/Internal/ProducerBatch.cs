using System.Runtime.InteropServices;
using Runnel.Grains;
using Runnel.Buffers;
using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>
/// One partition's batch: open while records are appended (encoded straight into a pooled
/// <see cref="RecordBatchBuilder"/>), sealed into bytes when first sent (producer id and sequence patched in), and
/// resent unchanged on retry. Guarded by the producer's lock.
/// </summary>
internal sealed class ProducerBatch
{
    private RecordBatchBuilder? _builder;
    private PooledBufferWriter? _payload;

    public ProducerBatch(PartitionQueue queue, RecordBatchBuilderOptions options, long createdAt)
    {
        Queue = queue;
        _builder = new RecordBatchBuilder(options);
        CreatedAt = createdAt;
    }

    public PartitionQueue Queue { get; }

    /// <summary>What each appended record's outcome needs, in append order. Values, not the
    /// <see cref="ProducerRecord"/>s: a record object then lives only while it is handed over (or waits), so the
    /// records in flight cost the garbage collector no object each besides their handler.</summary>
    public List<BatchEntry> Records { get; } = [];

    /// <summary>Clock ticks (the producer's TimeProvider) when the batch opened: its delivery deadline counts from here.</summary>
    public long CreatedAt { get; }

    /// <summary>Buffer bytes held by the records.</summary>
    public long BufferBytes { get; private set; }

    public bool LingerExpired { get; set; }

    public ITimer? LingerTimer { get; set; }

    /// <summary>The bytes sent (set by <see cref="Seal"/>, a pooled buffer until <see cref="ReleasePayload"/>).</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    public bool IsSealed => _builder is null;

    public int BaseSequence { get; private set; } = -1;

    /// <summary>The order in which the partition first sent its batches (orders retries).</summary>
    public long SendOrder { get; set; }

    public int Attempts { get; set; }

    /// <summary>How often the partition refused this batch as out of order.</summary>
    public int OutOfOrderCount { get; set; }

    /// <summary>True once any attempt failed with an unknown outcome: the records may be stored.</summary>
    public bool MayBeStored { get; set; }

    /// <summary>Reported failed while its request was still in flight (the producer closed): its response, when it
    /// comes, only releases the payload the call was reading.</summary>
    public bool Abandoned { get; set; }

    public int EstimatedSize => _builder?.EstimatedSizeInBytes ?? Payload.Length;

    /// <summary>Appends unless the batch already holds records and this one would take it past <paramref name="batchSize"/>.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.RecordBatchTooLarge"/>: the record alone exceeds the largest batch.</exception>
    public bool TryAppend(ProducerRecord record, int batchSize)
    {
        var builder = _builder ?? throw new InvalidOperationException("The batch is sealed.");
        if (Records.Count > 0 && builder.EstimatedSizeInBytes + record.Size - ProducerRecord.Overhead > batchSize)
        {
            return false;
        }

        if (!builder.TryAppend(record.Timestamp, record.Key, record.Value, record.Headers))
        {
            return false;
        }

        Records.Add(new BatchEntry(record.Handler, record.Timestamp, record.Epoch));
        BufferBytes += record.Size;
        return true;
    }

    /// <summary>Appends all of <paramref name="records"/> or none: none when the batch already holds records and they
    /// would take it past <paramref name="batchSize"/> or past the largest batch. An empty batch takes them whatever
    /// <paramref name="batchSize"/> says (a group larger than a batch gets a batch of its own).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.RecordBatchTooLarge"/>: the records together exceed the
    /// largest batch even alone (the producer checks this before it hands them over).</exception>
    public bool TryAppendAll(ProducerRecord[] records, int batchSize)
    {
        var builder = _builder ?? throw new InvalidOperationException("The batch is sealed.");
        long estimated = 0;
        long bound = 0;
        foreach (var record in records)
        {
            estimated += record.Size - ProducerRecord.Overhead;
            bound += record.MaxEncodedSize;
        }

        if (Records.Count > 0 && builder.EstimatedSizeInBytes + estimated > batchSize)
        {
            return false;
        }

        // Checked up front with an upper bound of each record's encoded size: the builder cannot take back a record,
        // so the second record must not be refused after the first went in.
        if (builder.EstimatedSizeInBytes + bound > builder.Options.MaxBatchBytes)
        {
            return Records.Count > 0
                ? false
                : throw new RunnelException(RunnelErrorCode.RecordBatchTooLarge,
                    $"{records.Length} records of at most {bound} bytes together do not fit one batch of {builder.Options.MaxBatchBytes} bytes.");
        }

        foreach (var record in records)
        {
            if (!builder.TryAppend(record.Timestamp, record.Key, record.Value, record.Headers))
            {
                throw new InvalidOperationException("A record of a group was refused after the group was checked to fit.");
            }

            Records.Add(new BatchEntry(record.Handler, record.Timestamp, record.Epoch));
            BufferBytes += record.Size;
        }

        return true;
    }

    public bool IsFull(int batchSize) => EstimatedSize >= batchSize;

    /// <summary>Writes the batch's bytes into a pooled buffer, with the producer's identity and
    /// <paramref name="baseSequence"/> when idempotent. The buffer is the batch's until <see cref="ReleasePayload"/>.</summary>
    public void Seal(ProducerIdentity? identity, int baseSequence)
    {
        var builder = _builder ?? throw new InvalidOperationException("The batch is sealed already.");
        var payload = new PooledBufferWriter(builder.EstimatedSizeInBytes + 64);
        try
        {
            builder.WriteTo(payload);
        }
        catch
        {
            payload.Dispose();
            throw;
        }

        builder.Dispose();
        _builder = null;
        _payload = payload;
        if (identity is not null)
        {
            BatchHeaderPatch.SetProducer(MemoryMarshal.AsMemory(payload.WrittenMemory).Span, identity.ProducerId, identity.ProducerEpoch, baseSequence);
            BaseSequence = baseSequence;
        }

        Payload = payload.WrittenMemory;
    }

    /// <summary>Gives a sealed batch that was never stored a new identity and base sequence (its partition lost its
    /// state for the old one). Only while no attempt is in flight: a request reads the payload when it starts.</summary>
    public void Reseal(ProducerIdentity identity, int baseSequence)
    {
        if (_payload is null)
        {
            throw new InvalidOperationException("Only a sealed batch can be sealed again.");
        }

        BatchHeaderPatch.SetProducer(MemoryMarshal.AsMemory(_payload.WrittenMemory).Span, identity.ProducerId, identity.ProducerEpoch, baseSequence);
        BaseSequence = baseSequence;
    }

    /// <summary>Returns the sealed bytes' pooled buffer: the batch is complete (acknowledged or failed for good), so no
    /// attempt will send it again, and none is being serialized (a request copies the payload when it starts, and a
    /// batch completes only after its attempt returned).</summary>
    public void ReleasePayload()
    {
        Payload = default;
        _payload?.Dispose();
        _payload = null;
    }

    /// <summary>Returns the builder's pooled buffer (a batch failed before it was sealed).</summary>
    public void Discard()
    {
        _builder?.Dispose();
        _builder = null;
        LingerTimer?.Dispose();
        LingerTimer = null;
    }
}
