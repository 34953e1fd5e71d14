using System.Text;
using Runnel.Chaos.Cluster;
using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Chaos.Eos;

/// <summary>One output record: where it is, its key, and the input record it copies.</summary>
internal readonly record struct EosRecord(int Partition, long Offset, string? Key, int SourcePartition, long SourceOffset);

/// <summary>The output topic as stored, read raw (read_uncommitted, every batch and marker) and sorted out by this reader
/// alone — not by the partition's stable offset or abort index, nor by the client's filter: a transactional batch is
/// committed when the next marker of its producer in the partition is a commit, aborted when it is an abort, open when no
/// marker follows.</summary>
internal sealed record EosOutput(IReadOnlyList<EosRecord> Committed, int Aborted, int Open)
{
    public static async Task<EosOutput> ReadAsync(IGrainFactory grains, string topic, int partitions, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var committed = new List<EosRecord>();
        var (aborted, open) = (0, 0);
        for (var p = 0; p < partitions; p++)
        {
            var partition = grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, p));
            var offsets = await HealingCluster.RetryAsync(() => partition.GetOffsetsAsync(cts.Token).AsTask(), cts.Token).ConfigureAwait(false);
            var pending = new Dictionary<long, List<EosRecord>>();
            var mine = new List<EosRecord>();
            var offset = offsets.LogStartOffset;
            while (offset < offsets.HighWatermark)
            {
                var at = offset;
                var response = await HealingCluster.RetryAsync(() => partition.FetchAsync(new FetchRequest(at, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadUncommitted), cts.Token).AsTask(), cts.Token).ConfigureAwait(false);
                foreach (var batch in new RecordBatchReader(response.Batches, true))
                {
                    if (batch.LastOffset < offset)
                    {
                        continue;
                    }

                    var header = batch.Header;
                    if (header.IsControlBatch)
                    {
                        using var markers = batch.ReadRecords();
                        foreach (var record in markers)
                        {
                            var marker = ControlRecords.ReadMarker(record);
                            if (pending.Remove(header.ProducerId, out var records))
                            {
                                if (marker.Type == ControlRecordType.Commit)
                                {
                                    mine.AddRange(records);
                                }
                                else
                                {
                                    aborted += records.Count;
                                }
                            }
                        }
                    }
                    else
                    {
                        using var records = batch.ReadRecords();
                        foreach (var record in records)
                        {
                            var value = record.Value is { } v ? Encoding.UTF8.GetString(v.Span) : "";
                            var parts = value.Split(':');
                            var parsed = new EosRecord(p, record.Offset, record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null,
                                parts.Length == 2 && int.TryParse(parts[0], out var sp) ? sp : -1,
                                parts.Length == 2 && long.TryParse(parts[1], out var so) ? so : -1);
                            if (header.IsTransactional)
                            {
                                (pending.TryGetValue(header.ProducerId, out var list) ? list : pending[header.ProducerId] = []).Add(parsed);
                            }
                            else
                            {
                                mine.Add(parsed);
                            }
                        }
                    }

                    offset = batch.LastOffset + 1;
                }

                if (response.Batches.IsEmpty)
                {
                    break;
                }
            }

            open += pending.Values.Sum(r => r.Count);
            committed.AddRange(mine.OrderBy(r => r.Offset));
        }

        return new EosOutput(committed, aborted, open);
    }
}
