using System.Text;
using Runnel.Log.Batches;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>Record batches as a producer builds them (<see cref="RecordBatchBuilder"/>).</summary>
public static class TestBatches
{
    public const long BaseTimestamp = 1_700_000_000_000;

    /// <summary>A batch of <paramref name="records"/> records with values "{tag}-{i}" and timestamps
    /// <paramref name="timestamp"/>, +1, ...; idempotent when <paramref name="producerId"/> is not -1, part of the producer's
    /// transaction with <paramref name="transactional"/>.</summary>
    public static byte[] Create(string tag, int records = 3, long timestamp = BaseTimestamp, long producerId = -1, short epoch = -1, int sequence = -1, int valueSize = 0, bool transactional = false)
    {
        var options = new RecordBatchBuilderOptions
        {
            ProducerId = producerId,
            ProducerEpoch = epoch,
            BaseSequence = sequence,
            MaxBatchBytes = RecordBatch.MaxBatchBytes,
            IsTransactional = transactional,
        };
        using var builder = new RecordBatchBuilder(options);
        for (var i = 0; i < records; i++)
        {
            var value = Encoding.UTF8.GetBytes($"{tag}-{i}".PadRight(valueSize, '.'));
            if (!builder.TryAppend(timestamp + i, Encoding.UTF8.GetBytes("k" + i), value))
            {
                throw new InvalidOperationException($"Batch '{tag}' does not fit.");
            }
        }

        return builder.ToArray();
    }

    /// <summary>The data records (control batches left out) of back-to-back batches, in order: (offset, value).</summary>
    public static List<(long Offset, string Value)> DataRecords(ReadOnlyMemory<byte> batches)
    {
        var records = new List<(long, string)>();
        foreach (var batch in new RecordBatchReader(batches))
        {
            if (!batch.Header.IsControlBatch)
            {
                records.AddRange(Records(batch.Memory));
            }
        }

        return records;
    }

    /// <summary>Every record in back-to-back batches, in order: (offset, value).</summary>
    public static List<(long Offset, string Value)> Records(ReadOnlyMemory<byte> batches)
    {
        var records = new List<(long, string)>();
        foreach (var batch in new RecordBatchReader(batches))
        {
            using var decoded = batch.ReadRecords();
            foreach (var record in decoded)
            {
                records.Add((record.Offset, record.Value is { } v ? Encoding.UTF8.GetString(v.Span) : "<null>"));
            }
        }

        return records;
    }
}
