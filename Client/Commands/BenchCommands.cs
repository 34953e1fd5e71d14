using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Runnel.Client;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>bench produce|consume</c>: throughput and latency against a live cluster, bounded by a record count and a time
/// limit. Each run checks its own result (every record acknowledged; offsets contiguous) before reporting, and exits 1
/// when the check fails or the time limit cut it short. The last line of output is one JSON object.
/// </summary>
internal static class BenchCommands
{
    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var bench = new Command("bench", "Measure produce or consume throughput and latency.");
        bench.Subcommands.Add(Produce(globals, io));
        bench.Subcommands.Add(Consume(globals, io));
        bench.Subcommands.Add(Activate(globals, io));
        return bench;
    }

    private static Option<string> TopicOption() => new("--topic", "-t") { Description = "The topic (must exist).", Required = true };

    private static Option<long> RecordsOption() => new("--records", "-n") { Description = "How many records.", Required = true };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print only the JSON summary line." };

    private static Option<long> WarmupOption(string description) => new("--warmup-records") { Description = description, DefaultValueFactory = _ => 0 };

    private static Option<double> MaxSecondsOption() => new("--max-seconds") { Description = "Stop after this long.", DefaultValueFactory = _ => 60 };

    private static Command Produce(GlobalOptions globals, CliIO io)
    {
        var topic = TopicOption();
        var records = RecordsOption();
        var size = new Option<int>("--record-size", "-s") { Description = "Value bytes per record.", DefaultValueFactory = _ => 100 };
        var compression = new Option<CompressionType>("--compression") { DefaultValueFactory = _ => CompressionType.None };
        var rate = new Option<double>("--rate")
        {
            Description = "Fixed-rate mode: send this many records/s (0 = as fast as the producer takes them). Latency counts from each record's scheduled time.",
            DefaultValueFactory = _ => 0,
        };
        var batchSize = new Option<int>("--batch-size") { Description = "ProducerOptions.BatchSize in bytes.", DefaultValueFactory = _ => ProducerOptions.Default.BatchSize };
        var batchSizeUnderLoad = new Option<int>("--batch-size-under-load")
        {
            Description = "ProducerOptions.BatchSizeUnderLoad in bytes: how large a batch grows while its partition cannot send (0 = never past --batch-size).",
            DefaultValueFactory = _ => ProducerOptions.Default.BatchSizeUnderLoad,
        };
        var lingerMs = new Option<double>("--linger-ms") { Description = "ProducerOptions.Linger in milliseconds.", DefaultValueFactory = _ => ProducerOptions.Default.Linger.TotalMilliseconds };
        var keys = new Option<int>("--keys")
        {
            Description = "Keyed mode: give the records this many distinct keys, in turn ('k0', 'k1', ...), so the partitioner spreads them over every partition as keyed data is (0 = no key: sticky batches).",
            DefaultValueFactory = _ => 0,
        };
        var warmup = WarmupOption("Produce this many records first, flushed and not counted (JIT and connections warm).");
        var json = JsonOption();
        var maxSeconds = MaxSecondsOption();
        var command = new Command("produce", "Produce N records of B bytes, pipelined; report records/s, MB/s and ack latency.")
        {
            topic, records, size, compression, rate, batchSize, batchSizeUnderLoad, lingerMs, keys, warmup, json, maxSeconds,
        };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(records);
            var recordSize = parse.GetValue(size);
            var limit = TimeSpan.FromSeconds(parse.GetValue(maxSeconds));
            var perSecond = parse.GetValue(rate);
            var keyCount = parse.GetValue(keys);
            if (count <= 0 || recordSize < 0 || limit <= TimeSpan.Zero || perSecond < 0 || keyCount < 0)
            {
                throw new CliException("--records and --max-seconds must be positive, --record-size, --rate and --keys not negative.");
            }

            var payload = new byte[recordSize];
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)('a' + (i % 26));
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var name = parse.GetValue(topic)!;
            _ = await connection.Admin.DescribeTopicAsync(name, ct).ConfigureAwait(false);
            var tally = new AckTally();
            long sent = 0;
            var seconds = 0.0;
            var cpuSeconds = 0.0;
            var cpuAtStart = TimeSpan.Zero;
            int gen2 = 0, gen2AtStart = 0;
            long allocated = 0;
            var options = ProducerOptions.Default with
            {
                Compression = parse.GetValue(compression),
                BatchSize = parse.GetValue(batchSize),
                BatchSizeUnderLoad = parse.GetValue(batchSizeUnderLoad),
                Linger = TimeSpan.FromMilliseconds(parse.GetValue(lingerMs)),
            };
            var producer = connection.CreateProducer<byte[], byte[]>(options);
            // One message for every record: the producer reads it when the record is handed over and only gives it
            // back in the report, so the bench allocates nothing per record.
            var message = new Message<byte[], byte[]> { Value = payload };
            var keyed = new Message<byte[], byte[]>[keyCount];
            for (var k = 0; k < keyed.Length; k++)
            {
                keyed[k] = new Message<byte[], byte[]> { Key = System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"k{k}")), Value = payload };
            }

            await using (producer.ConfigureAwait(false))
            {
                for (var i = 0L; i < parse.GetValue(warmup); i++)
                {
                    await producer.EnqueueAsync(name, message, static _ => { }, cancellationToken: ct).ConfigureAwait(false);
                }

                await producer.FlushAsync(ct).ConfigureAwait(false);
                using var progress = new ProgressReporter(io, "produced");
                var clock = Stopwatch.StartNew();
                cpuAtStart = Environment.CpuUsage.TotalTime;
                gen2AtStart = GC.CollectionCount(2);
                var allocatedAtStart = GC.GetTotalAllocatedBytes();
                var ticksPerRecord = perSecond > 0 ? Stopwatch.Frequency / perSecond : 0;
                var origin = Stopwatch.GetTimestamp();
                // The time limit is checked every 64 records: a clock read per record was a visible share of the
                // client's CPU, and 64 records are well under a millisecond.
                for (; sent < count && ((sent & 63) != 0 || clock.Elapsed < limit); sent++)
                {
                    var start = perSecond > 0 ? await WaitUntilDueAsync(origin + (long)(sent * ticksPerRecord), ct).ConfigureAwait(false) : Stopwatch.GetTimestamp();
                    var ack = tally.Take(start);
                    try
                    {
                        await producer.EnqueueAsync(name, keyed.Length > 0 ? keyed[sent % keyed.Length] : message, ack.OnDelivery, cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        tally.Return(ack); // not produced: no report will come
                        throw;
                    }

                    progress.Tick(sent);
                }

                await producer.FlushAsync(ct).ConfigureAwait(false);
                seconds = clock.Elapsed.TotalSeconds;
                cpuSeconds = (Environment.CpuUsage.TotalTime - cpuAtStart).TotalSeconds;
                gen2 = GC.CollectionCount(2) - gen2AtStart;
                allocated = GC.GetTotalAllocatedBytes() - allocatedAtStart;
            }

            var (acked, failed, firstError, histogram) = tally.Result();
            var ok = acked == count && failed == 0;
            await ReportAsync(io, parse.GetValue(json), "produce", acked, acked * (long)recordSize, seconds, cpuSeconds, gen2, allocated, histogram, ok,
                ok ? null : $"{acked} of {count} records acknowledged ({failed} failed{(firstError is null ? "" : ": " + firstError.Message)}; {sent} sent before the {limit.TotalSeconds:F0} s limit)")
                .ConfigureAwait(false);
            return ok ? 0 : RunnelCli.ExitError;
        });
        return command;
    }

    /// <summary>
    /// <c>bench activate</c>: one record to every partition of a topic at once (explicit partitions), timed until the
    /// last is acknowledged — how long a topic takes to become writable everywhere (each partition's first write
    /// activates it: its log is opened and taken over) — with the slowest partitions named.
    /// </summary>
    private static Command Activate(GlobalOptions globals, CliIO io)
    {
        var topic = TopicOption();
        var json = JsonOption();
        var maxSeconds = MaxSecondsOption();
        var command = new Command("activate", "Produce one record to every partition at once; report the time until all are acknowledged.") { topic, json, maxSeconds };
        command.SetAction(async (parse, ct) =>
        {
            var limit = TimeSpan.FromSeconds(parse.GetValue(maxSeconds));
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var name = parse.GetValue(topic)!;
            var description = await connection.Admin.DescribeTopicAsync(name, ct).ConfigureAwait(false);
            var partitions = description.PartitionCount;
            var acked = new long[partitions];
            long failed = 0;
            RunnelException? firstError = null;
            var producer = connection.CreateProducer<byte[], byte[]>(ProducerOptions.Default with { Linger = TimeSpan.Zero });
            var message = new Message<byte[], byte[]> { Value = [1] };
            var clock = Stopwatch.StartNew();
            await using (producer.ConfigureAwait(false))
            {
                for (var p = 0; p < partitions; p++)
                {
                    var partition = p;
                    await producer.EnqueueAsync(name, message, report =>
                    {
                        if (report.IsSuccess)
                        {
                            Volatile.Write(ref acked[partition], clock.ElapsedTicks);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                            Interlocked.CompareExchange(ref firstError, report.Error, null);
                        }
                    }, partition, ct).ConfigureAwait(false);
                }

                await producer.FlushAsync(ct).WaitAsync(limit, ct).ConfigureAwait(false);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var done = acked.Count(t => t > 0);
            var sorted = acked.Where(t => t > 0).Select(t => t / (double)Stopwatch.Frequency).Order().ToArray();
            double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            var ok = done == partitions && failed == 0;
            if (!parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"activate: {done} of {partitions} partitions writable in {seconds:F2} s (first write acknowledged: p50 {At(0.5):F2} s, p99 {At(0.99):F2} s, last {At(1.0):F2} s)"))
                    .ConfigureAwait(false);
            }

            if (!ok)
            {
                await io.Error.WriteLineAsync($"error: bench activate check failed: {done} of {partitions} partitions acknowledged ({failed} failed{(firstError is null ? "" : ": " + firstError.Message)})")
                    .ConfigureAwait(false);
            }

            var summary = new Dictionary<string, object>
            {
                ["bench"] = "activate",
                ["ok"] = ok,
                ["partitions"] = (long)partitions,
                ["acknowledged"] = (long)done,
                ["seconds"] = Math.Round(seconds, 3),
                ["p50_s"] = Math.Round(At(0.5), 3),
                ["p99_s"] = Math.Round(At(0.99), 3),
                ["last_s"] = Math.Round(At(1.0), 3),
            };
            await io.Out.WriteLineAsync(JsonSerializer.Serialize(summary, BenchJsonContext.Default.DictionaryStringObject)).ConfigureAwait(false);
            return ok ? 0 : RunnelCli.ExitError;
        });
        return command;
    }

    /// <summary>Waits (sleeping a millisecond at a time, never spinning) until <paramref name="due"/>, a
    /// <see cref="Stopwatch"/> timestamp; returns it, so latency counts from when the record was due, not from when a
    /// late loop got to it (no coordinated omission).</summary>
    private static async ValueTask<long> WaitUntilDueAsync(long due, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return due;
            }

            // Sleep, never spin: at 50k records/s a record is due every 20 µs, and yielding until then kept a core
            // busy that the silo (on the same machine) needed. The records that fall due during a sleep go together
            // when it ends; each one's latency still counts from its own scheduled time.
            await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Command Consume(GlobalOptions globals, CliIO io)
    {
        var topic = TopicOption();
        var records = RecordsOption();
        var warmup = WarmupOption("Consume this many records first (checked, not timed); N more are timed.");
        var json = JsonOption();
        var maxSeconds = MaxSecondsOption();
        var fetchMaxBytes = new Option<int>("--fetch-max-bytes") { Description = "ConsumerOptions.FetchMaxBytes: the most one fetch of a partition returns.", DefaultValueFactory = _ => ConsumerOptions.Default.FetchMaxBytes };
        var command = new Command("consume", "Consume N records from the beginning of every partition, a fetched batch at a time; report records/s, MB/s and the wait per batch.")
        {
            topic, records, warmup, json, maxSeconds, fetchMaxBytes,
        };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(records);
            var limit = TimeSpan.FromSeconds(parse.GetValue(maxSeconds));
            if (count <= 0 || limit <= TimeSpan.Zero)
            {
                throw new CliException("--records and --max-seconds must be positive.");
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var name = parse.GetValue(topic)!;
            var description = await connection.Admin.DescribeTopicAsync(name, ct).ConfigureAwait(false);
            await using var consumer = connection.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest, FetchMaxBytes = parse.GetValue(fetchMaxBytes) });
            consumer.Assign(Enumerable.Range(0, description.PartitionCount).Select(p => new TopicPartitionOffset(name, p, Offset.Beginning)));
            var histogram = new LatencyHistogram();
            var next = new long[description.PartitionCount];
            Array.Fill(next, -1);
            long consumed = 0, bytes = 0;
            string? gap = null;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(limit);
            using var progress = new ProgressReporter(io, "consumed");
            var warmupLeft = parse.GetValue(warmup);
            var clock = Stopwatch.StartNew();
            var cpuAtStart = Environment.CpuUsage.TotalTime;
            var gen2AtStart = GC.CollectionCount(2);
            var allocatedAtStart = GC.GetTotalAllocatedBytes();
            var waitStart = Stopwatch.GetTimestamp();
            try
            {
                // A batch at a time: the records are walked in place (no object or copy per record).
                await foreach (var batch in consumer.ConsumeBatchesAsync(deadline.Token).ConfigureAwait(false))
                {
                    if (warmupLeft <= 0)
                    {
                        histogram.Record((long)Stopwatch.GetElapsedTime(waitStart).TotalMicroseconds);
                    }

                    var expected = next[batch.Partition];
                    foreach (var record in batch)
                    {
                        if (expected >= 0 && record.Offset != expected)
                        {
                            gap ??= $"partition {batch.Partition}: offset {record.Offset} after {expected - 1}";
                        }

                        expected = record.Offset + 1;
                        if (warmupLeft > 0)
                        {
                            if (--warmupLeft == 0)
                            {
                                clock.Restart();
                                cpuAtStart = Environment.CpuUsage.TotalTime;
                                gen2AtStart = GC.CollectionCount(2);
                                allocatedAtStart = GC.GetTotalAllocatedBytes();
                            }

                            continue;
                        }

                        if (consumed < count)
                        {
                            consumed++;
                            bytes += record.Value?.Length ?? 0;
                        }
                    }

                    next[batch.Partition] = expected;
                    progress.Tick(consumed);
                    if (consumed >= count)
                    {
                        break;
                    }

                    waitStart = Stopwatch.GetTimestamp();
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // the time limit
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (Environment.CpuUsage.TotalTime - cpuAtStart).TotalSeconds;
            var gen2 = GC.CollectionCount(2) - gen2AtStart;
            var ok = consumed == count && gap is null;
            await ReportAsync(io, parse.GetValue(json), "consume", consumed, bytes, seconds, cpuSeconds, gen2, GC.GetTotalAllocatedBytes() - allocatedAtStart, histogram, ok,
                ok ? null : gap ?? $"{consumed} of {count} records within the {limit.TotalSeconds:F0} s limit").ConfigureAwait(false);
            return ok ? 0 : RunnelCli.ExitError;
        });
        return command;
    }

    private static async Task ReportAsync(CliIO io, bool jsonOnly, string kind, long records, long bytes, double seconds, double cpuSeconds, int gen2, long allocated, LatencyHistogram histogram, bool ok, string? problem)
    {
        var perSecond = records / Math.Max(seconds, 1e-9);
        var mbPerSecond = bytes / 1e6 / Math.Max(seconds, 1e-9);
        if (!jsonOnly)
        {
            await io.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{kind}: {records} records, {bytes / 1e6:F2} MB in {seconds:F2} s = {perSecond:F0} records/s, {mbPerSecond:F2} MB/s; this process used {cpuSeconds:F2} CPU-s")).ConfigureAwait(false);
            await io.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"latency ms: p50 {histogram.PercentileMillis(0.5):F3}  p99 {histogram.PercentileMillis(0.99):F3}  p99.9 {histogram.PercentileMillis(0.999):F3}  max {histogram.MaxMicros / 1000.0:F3}"))
                .ConfigureAwait(false);
        }

        if (problem is not null)
        {
            await io.Error.WriteLineAsync($"error: bench {kind} check failed: {problem}").ConfigureAwait(false);
        }

        var summary = new Dictionary<string, object>
        {
            ["bench"] = kind,
            ["ok"] = ok,
            ["records"] = records,
            ["bytes"] = bytes,
            ["seconds"] = Math.Round(seconds, 3),
            ["records_per_sec"] = Math.Round(perSecond, 1),
            ["mb_per_sec"] = Math.Round(mbPerSecond, 3),
            ["p50_ms"] = Math.Round(histogram.PercentileMillis(0.5), 3),
            ["p99_ms"] = Math.Round(histogram.PercentileMillis(0.99), 3),
            ["p999_ms"] = Math.Round(histogram.PercentileMillis(0.999), 3),
            ["max_ms"] = Math.Round(histogram.MaxMicros / 1000.0, 3),
            ["cpu_s"] = Math.Round(cpuSeconds, 3),
            ["cpu_s_per_gb"] = Math.Round(cpuSeconds / Math.Max(bytes / 1e9, 1e-9), 3),
            ["gen2_gcs"] = (long)gen2,
            ["alloc_bytes_per_record"] = Math.Round(allocated / (double)Math.Max(records, 1), 1),
        };
        await io.Out.WriteLineAsync(JsonSerializer.Serialize(summary, BenchJsonContext.Default.DictionaryStringObject)).ConfigureAwait(false);
    }

    /// <summary>The produce bench's acknowledgements: each record's latency, from when it was enqueued (or due) to its
    /// delivery report, into one histogram. A record's report handler is an <see cref="PendingAck"/> taken from a free
    /// list and put back by its report, so the bench allocates nothing per record once as many are in flight as the
    /// producer's buffer holds.</summary>
    private sealed class AckTally
    {
        private readonly Lock _gate = new();
        private readonly Stack<PendingAck> _free = new();
        private readonly LatencyHistogram _histogram = new();
        private long _acked;
        private long _failed;
        private RunnelException? _firstError;

        public PendingAck Take(long start)
        {
            PendingAck? ack;
            lock (_gate)
            {
                _free.TryPop(out ack);
            }

            ack ??= new PendingAck(this);
            ack.Start = start;
            return ack;
        }

        public void Return(PendingAck ack)
        {
            lock (_gate)
            {
                _free.Push(ack);
            }
        }

        public (long Acked, long Failed, RunnelException? FirstError, LatencyHistogram Histogram) Result()
        {
            lock (_gate)
            {
                return (_acked, _failed, _firstError, _histogram);
            }
        }

        public void Report(PendingAck ack, DeliveryReport<byte[], byte[]> report)
        {
            var micros = (long)Stopwatch.GetElapsedTime(ack.Start).TotalMicroseconds;
            lock (_gate)
            {
                if (report.IsSuccess)
                {
                    _acked++;
                    _histogram.Record(micros);
                }
                else
                {
                    _failed++;
                    _firstError ??= report.Error;
                }

                _free.Push(ack);
            }
        }
    }

    /// <summary>One record in flight: its start (a <see cref="Stopwatch"/> timestamp) and its report handler.</summary>
    private sealed class PendingAck
    {
        public PendingAck(AckTally tally) => OnDelivery = report => tally.Report(this, report);

        public long Start { get; set; }

        public Action<DeliveryReport<byte[], byte[]>> OnDelivery { get; }
    }
}
