using Runnel.Chaos.History;
using Runnel.Client;

namespace Runnel.Chaos.Workload;

/// <summary>Reads every partition of a topic whole (log start to high watermark) once the cluster has healed.</summary>
internal static class FinalLogReader
{
    /// <summary>The high watermarks, retried until every partition answers (the cluster may still be moving partitions
    /// after the last nemesis action), at most <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Some partition did not answer in time.</exception>
    public static async Task<IReadOnlyList<WatermarkOffsets>> OffsetsAsync(IAdminClient admin, string topic, int partitions, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        RunnelException? last = null;
        while (!cts.IsCancellationRequested)
        {
            try
            {
                var offsets = new List<WatermarkOffsets>();
                for (var p = 0; p < partitions; p++)
                {
                    offsets.Add(await admin.GetPartitionOffsetsAsync(new TopicPartition(topic, p), cts.Token).ConfigureAwait(false));
                }

                return offsets;
            }
            catch (RunnelException ex)
            {
                last = ex;
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"The partitions' offsets could not be read within {timeout.TotalSeconds:0} s: {last?.Message}", last);
    }

    /// <summary>Reads every partition from its log start to the given high watermark, at most <paramref name="timeout"/>;
    /// <c>Complete</c> is false when time ran out (what was read is returned: the checker reports the holes).</summary>
    public static async Task<(IReadOnlyList<PartitionLogRead> Logs, bool Complete)> ReadAsync(IGrainFactory grains, string topic, IReadOnlyList<WatermarkOffsets> offsets, TimeSpan timeout)
    {
        var entries = offsets.Select(_ => new List<LogEntry>()).ToArray();
        var remaining = offsets.Count(o => o.HighWatermark > o.LogStartOffset);
        if (remaining > 0)
        {
            var consumer = new Consumer<string, string>(grains, ConsumerOptions.Default with { FetchMaxWait = TimeSpan.FromMilliseconds(100) });
            await using (consumer.ConfigureAwait(false))
            {
                consumer.Assign(offsets.Select((o, p) => new TopicPartitionOffset(topic, p, o.LogStartOffset)).Where((_, p) => offsets[p].HighWatermark > offsets[p].LogStartOffset));
                using var cts = new CancellationTokenSource(timeout);
                try
                {
                    await foreach (var record in consumer.ConsumeAsync(cts.Token).ConfigureAwait(false))
                    {
                        var end = offsets[record.Partition].HighWatermark;
                        if (record.Offset >= end)
                        {
                            continue;
                        }

                        RecordId? id = RecordId.TryParse(record.Message.Value, out var parsed) ? parsed : null;
                        entries[record.Partition].Add(new LogEntry(record.Offset, id, record.Message.Key));
                        if (record.Offset == end - 1 && --remaining == 0)
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    // Incomplete: reported by the caller.
                }
            }
        }

        return ([.. offsets.Select((o, p) => new PartitionLogRead(p, o.LogStartOffset, o.HighWatermark, entries[p]))], remaining == 0);
    }
}
