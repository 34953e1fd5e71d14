using System.Text;
using Runnel.Chaos.History;
using Runnel.Chaos.Cluster;
using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Chaos.Compact;

/// <summary>One record of the compacted topic as stored: where it is, its key, and the <see cref="RecordId"/> its value
/// carries (null for a tombstone, <see cref="Tombstone"/> true).</summary>
internal readonly record struct CompactRecord(int Partition, long Offset, string? Key, RecordId? Id, bool Tombstone);

/// <summary>
/// The compacted topic as stored, read raw from offset 0 of every partition up to its high watermark (read_uncommitted,
/// every stored batch, straight from the partition grains — not through the client's consumer): the records, and what
/// the reader itself found wrong with the bytes (<see cref="CrcFailures"/>: batches whose CRC-32C does not match their
/// content; <see cref="OffsetRegressions"/>: records whose offset is not above the previous one of their partition).
/// </summary>
internal sealed record CompactLog(IReadOnlyList<CompactRecord> Records, int Batches, int CrcFailures, int OffsetRegressions, IReadOnlyList<string> Problems)
{
    /// <summary>Reads every partition whole, retrying retriable errors (the cluster may still be healing) until
    /// <paramref name="timeout"/>.</summary>
    /// <exception cref="OperationCanceledException">The timeout passed before every partition was read.</exception>
    public static async Task<CompactLog> ReadAsync(IGrainFactory grains, string topic, int partitions, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var records = new List<CompactRecord>();
        var problems = new List<string>();
        var (batches, crcFailures, regressions) = (0, 0, 0);
        for (var p = 0; p < partitions; p++)
        {
            var partition = grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, p));
            var offsets = await HealingCluster.RetryAsync(() => partition.GetOffsetsAsync(cts.Token).AsTask(), cts.Token).ConfigureAwait(false);
            var offset = 0L;
            var previous = -1L;
            while (offset < offsets.HighWatermark)
            {
                var at = offset;
                var response = await HealingCluster.RetryAsync(() => partition.FetchAsync(new FetchRequest(at, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadUncommitted), cts.Token).AsTask(), cts.Token).ConfigureAwait(false);
                if (response.Batches.IsEmpty)
                {
                    problems.Add($"partition {p}: a fetch at offset {offset} returned nothing below the high watermark {offsets.HighWatermark}");
                    break;
                }

                // The CRC is checked here, not by the reader, so that a bad batch is counted rather than thrown.
                foreach (var batch in new RecordBatchReader(response.Batches, verifyCrc: false))
                {
                    if (batch.LastOffset < offset)
                    {
                        continue;
                    }

                    batches++;
                    var header = batch.Header;
                    if (RecordBatch.ComputeCrc(batch.Memory.Span) != header.Crc)
                    {
                        crcFailures++;
                        problems.Add($"partition {p}: the batch at offset {header.BaseOffset} fails its CRC");
                    }
                    else if (!header.IsControlBatch)
                    {
                        using var read = batch.ReadRecords();
                        foreach (var record in read)
                        {
                            if (record.Offset < offset)
                            {
                                continue;
                            }

                            if (record.Offset <= previous)
                            {
                                regressions++;
                                problems.Add($"partition {p}: offset {record.Offset} follows offset {previous}");
                            }

                            previous = record.Offset;
                            var key = record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null;
                            var tombstone = record.Value is null;
                            RecordId? id = !tombstone && RecordId.TryParse(Encoding.UTF8.GetString(record.Value!.Value.Span), out var parsed) ? parsed : null;
                            records.Add(new CompactRecord(p, record.Offset, key, id, tombstone));
                        }
                    }

                    offset = batch.LastOffset + 1;
                }
            }
        }

        return new CompactLog(records, batches, crcFailures, regressions, problems);
    }
}
