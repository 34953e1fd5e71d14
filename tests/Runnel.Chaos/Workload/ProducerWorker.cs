using System.Globalization;
using Runnel.Chaos.History;
using Runnel.Client;

namespace Runnel.Chaos.Workload;

/// <summary>
/// One idempotent producer of the workload (production defaults: 5 in flight per partition, 100 ms..1 s retry backoff,
/// 120 s delivery timeout). It writes keyed records at a steady rate, each value a fresh <see cref="RecordId"/> of this
/// producer, keys drawn by a seeded random, and records every acknowledgement with its partition and offset. With a
/// <c>tombstoneShare</c> above 0 (the compact workload), that share of the records, drawn by the same random, are
/// tombstones (a null value) instead.
/// </summary>
internal sealed class ProducerWorker(int index, IGrainFactory grains, string topic, int keys, int recordsPerSecond, int seed, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null, double tombstoneShare = 0)
{
    /// <summary>Records are enqueued in ticks of this length (a steady rate without one timer per record).</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    private readonly Lock _gate = new();
    private readonly List<Ack> _acks = [];
    private readonly Dictionary<RunnelErrorCode, int> _failures = [];

    public int Index { get; } = index;

    /// <summary>Why the producer failed for good (an idempotence violation such as OutOfOrderSequence on its oldest
    /// batch, or ProducerFenced), or null. Runnel promises this never happens to a producer that is not fenced.</summary>
    public RunnelException? Fatal { get; private set; }

    /// <summary>Records handed to the producer.</summary>
    public long Produced { get; private set; }

    public IReadOnlyList<Ack> Acks
    {
        get
        {
            lock (_gate)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Records whose delivery failed, by error code (allowed: only acknowledged records are promised).</summary>
    public IReadOnlyDictionary<RunnelErrorCode, int> Failures
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<RunnelErrorCode, int>(_failures);
            }
        }
    }

    /// <summary>Produces until <paramref name="stop"/> fires (at most <paramref name="maxRecords"/>), then flushes,
    /// waiting at most <paramref name="flushTimeout"/> for the last acknowledgements.</summary>
    public async Task RunAsync(long maxRecords, TimeSpan flushTimeout, CancellationToken stop)
    {
        var random = new Random(seed);
        var producer = new Producer<string, string>(grains, ProducerOptions.Default, loggerFactory: loggerFactory);
        await using (producer.ConfigureAwait(false))
        {
            var perTick = recordsPerSecond * Tick.TotalSeconds;
            var credit = 0.0;
            try
            {
                while (!stop.IsCancellationRequested && Produced < maxRecords)
                {
                    credit += perTick;
                    while (credit >= 1 && Produced < maxRecords)
                    {
                        credit--;
                        var id = new RecordId(Index, Produced++);
                        var key = "k" + random.Next(keys).ToString(CultureInfo.InvariantCulture);
                        var tombstone = tombstoneShare > 0 && random.NextDouble() < tombstoneShare;
                        var message = new Message<string, string> { Key = key, Value = tombstone ? null : id.ToString() };
                        await producer.EnqueueAsync(topic, message, report => OnDelivered(id, key, tombstone, report), cancellationToken: stop).ConfigureAwait(false);
                    }

                    await Task.Delay(Tick, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The run's producing time is over.
            }
            catch (RunnelException ex)
            {
                Fatal = ex;
                return;
            }

            using var flush = new CancellationTokenSource(flushTimeout);
            try
            {
                await producer.FlushAsync(flush.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (flush.IsCancellationRequested)
            {
                // Reported as records without an acknowledgement; disposing fails them.
            }
            catch (RunnelException ex)
            {
                Fatal = ex;
            }
        }
    }

    private void OnDelivered(RecordId id, string key, bool tombstone, DeliveryReport<string, string> report)
    {
        lock (_gate)
        {
            if (report.Error is { } error)
            {
                _failures[error.Code] = _failures.GetValueOrDefault(error.Code) + 1;
            }
            else
            {
                _acks.Add(new Ack(id, key, report.TopicPartition.Partition, report.Offset, tombstone));
            }
        }
    }
}
