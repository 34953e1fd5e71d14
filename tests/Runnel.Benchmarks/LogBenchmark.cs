using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Benchmarks;

/// <summary>
/// The partition log on the file store against the disk's own limit, measured in the same run and directory, in
/// interleaved rounds so that the disk's drift (on this VM its fdatasync rate moves by 2x within minutes) falls on
/// both sides alike:
/// <list type="number">
/// <item>warm-up, not recorded: the disk loop for 2 s and the log for <c>--warmup</c> seconds (default 3; JIT tiers
/// and the first touch of memory and disk);</item>
/// <item><c>--rounds</c> rounds (default 4), each: the disk, 1 MiB writes to a plain file each followed by fdatasync
/// (what "acknowledged = on disk" costs at that block size) for <c>--disk-duration</c> seconds (default 2.5), then the
/// log for <c>--duration</c> / rounds seconds (<c>--duration</c> default 20): <c>--in-flight</c> appenders (default 64)
/// append batches of <c>--batch-records</c> records (default 64) of <c>--record-size</c> bytes (default 1,024), as a
/// producer would send them; group commit packs what queues into append blocks of up to 4 MiB;</item>
/// <item>the disk once more, so that every log phase has a disk phase on each side.</item>
/// </list>
/// The ratio is the log's bytes over all its phases per second against the disk's over all its phases; each round's
/// own ratio (against the mean of the disk phases either side of it) is printed too. Latency is per append, from the
/// call to the durable acknowledgement.
/// </summary>
internal static partial class LogBenchmark
{
    private const int DiskBlockBytes = 1024 * 1024;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var duration = TimeSpan.FromSeconds(args.Double("duration", 20));
        var rounds = args.Int("rounds", 4);
        var diskDuration = TimeSpan.FromSeconds(args.Double("disk-duration", 2.5));
        var warmup = TimeSpan.FromSeconds(args.Double("warmup", 3));
        var recordSize = args.Int("record-size", 1024);
        var batchRecords = args.Int("batch-records", 64);
        var inFlight = args.Int("in-flight", 64);
        if (rounds < 1 || duration <= TimeSpan.Zero || diskDuration <= TimeSpan.Zero || warmup < TimeSpan.Zero)
        {
            Console.Error.WriteLine("--rounds must be at least 1; --duration and --disk-duration positive; --warmup not negative.");
            return 2;
        }

        var directory = Path.Combine(args.String("dir", Path.GetTempPath()), $"runnel-bench-log-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var store = new CountingStore(new FileObjectStore(Path.Combine(directory, "store")));
            var log = await PartitionLog.OpenAsync(store, new PartitionPaths("topics/bench/0/"), "bench");
            var batches = Enumerable.Range(0, inFlight).Select(i => BuildBatch(i, recordSize, batchRecords)).ToArray();
            if (!await ValidateAsync(log, batches[0], batchRecords))
            {
                Console.Error.WriteLine("validation failed: the appended batch did not read back unchanged");
                return 1;
            }

            MeasureDisk(directory, TimeSpan.FromSeconds(2));
            await AppendForAsync(log, batches, batchRecords, warmup, latencies: null);

            var disk = new List<DiskPhase> { MeasureDisk(directory, diskDuration) };
            var phases = new List<LogPhase>();
            var latencies = new List<double>[inFlight];
            for (var i = 0; i < inFlight; i++)
            {
                latencies[i] = new List<double>(1 << 16);
            }

            var cpuBefore = Environment.CpuUsage.TotalTime;
            var logSeconds = 0.0;
            for (var round = 0; round < rounds; round++)
            {
                var blocksBefore = store.Appends;
                var storeTimeBefore = store.AppendTime;
                var phase = await AppendForAsync(log, batches, batchRecords, duration / rounds, latencies);
                phases.Add(phase with
                {
                    Blocks = store.Appends - blocksBefore,
                    StoreSeconds = (store.AppendTime - storeTimeBefore).TotalSeconds,
                    BlockSizes = store.BlockSizes(blocksBefore),
                });
                logSeconds += phase.Seconds;
                var cpuPaused = Environment.CpuUsage.TotalTime;
                disk.Add(MeasureDisk(directory, diskDuration));
                cpuBefore += Environment.CpuUsage.TotalTime - cpuPaused; // the disk phases' CPU is not the log's
            }

            var logCpuSeconds = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
            await log.CloseAsync();

            var records = phases.Sum(p => p.Records);
            var bytes = (double)records * recordSize;
            var mbPerSec = bytes / logSeconds / 1e6;
            var diskMbPerSec = disk.Sum(d => d.Bytes) / disk.Sum(d => d.Seconds) / 1e6;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var sizes = phases.SelectMany(p => p.BlockSizes).Select(b => (double)b).Order().ToArray();
            var blocks = phases.Sum(p => p.Blocks);
            var storeShare = phases.Sum(p => p.StoreSeconds) / logSeconds;
            var roundRatios = phases.Select((p, i) => p.MbPerSec(recordSize) / ((disk[i].MbPerSec + disk[i + 1].MbPerSec) / 2)).ToArray();
            var p50 = Percentile(all, 0.50);
            var p99 = Percentile(all, 0.99);

            Console.WriteLine($"disk, 1 MiB + fdatasync, {disk.Count} phases of {diskDuration.TotalSeconds:N1} s: {string.Join(" / ", disk.Select(d => d.MbPerSec.ToString("N1", System.Globalization.CultureInfo.InvariantCulture)))} MB/s (overall {diskMbPerSec:N1})");
            Console.WriteLine($"log, {inFlight} appends in flight of {batchRecords} x {recordSize} B, {rounds} phases: {string.Join(" / ", phases.Select(p => p.MbPerSec(recordSize).ToString("N1", System.Globalization.CultureInfo.InvariantCulture)))} MB/s");
            Console.WriteLine($"  = {records / logSeconds:N0} records/s, {mbPerSec:N1} MB/s = {mbPerSec / diskMbPerSec:N2} x disk (per round: {string.Join(", ", roundRatios.Select(r => r.ToString("N2", System.Globalization.CultureInfo.InvariantCulture)))})");
            Console.WriteLine($"storage append sizes: p10 {Percentile(sizes, 0.10) / 1048576:N2} MiB, p50 {Percentile(sizes, 0.50) / 1048576:N2} MiB, p90 {Percentile(sizes, 0.90) / 1048576:N2} MiB");
            Console.WriteLine($"append latency p50 {p50:N2} ms, p99 {p99:N2} ms; {all.Length:N0} appends in {blocks:N0} storage appends ({logSeconds:N1} s, {storeShare:P0} of it inside the store); {logCpuSeconds / (bytes / 1e9):N2} CPU-s per GB appended");
            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["records_per_sec"] = Math.Round(records / logSeconds),
                    ["mb_per_sec"] = Math.Round(mbPerSec, 1),
                    ["disk_mb_per_sec"] = Math.Round(diskMbPerSec, 1),
                    ["ratio_to_disk"] = Math.Round(mbPerSec / diskMbPerSec, 3),
                    ["round_ratios"] = roundRatios.Select(r => Math.Round(r, 3)).ToArray(),
                    ["p50_ms"] = Math.Round(p50, 2),
                    ["p99_ms"] = Math.Round(p99, 2),
                    ["appends"] = all.Length,
                    ["storage_appends"] = blocks,
                    ["store_busy_share"] = Math.Round(storeShare, 3),
                    ["cpu_s_per_gb"] = Math.Round(logCpuSeconds / (bytes / 1e9), 2),
                    ["record_size"] = recordSize,
                    ["batch_records"] = batchRecords,
                    ["in_flight"] = inFlight,
                    ["rounds"] = rounds,
                }));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private readonly record struct DiskPhase(long Bytes, double Seconds)
    {
        public double MbPerSec => Bytes / Seconds / 1e6;
    }

    private readonly record struct LogPhase(long Records, double Seconds, long Blocks, double StoreSeconds, int[] BlockSizes)
    {
        public double MbPerSec(int recordSize) => Records * (double)recordSize / Seconds / 1e6;
    }

    /// <summary>Appends the first batch and checks it reads back unchanged at its offset (before anything is timed).</summary>
    private static async Task<bool> ValidateAsync(PartitionLog log, byte[] batch, int batchRecords)
    {
        var probe = await log.AppendAsync(batch);
        var read = await log.ReadAsync(probe.BaseOffset, 1 << 20);
        var stored = read.Batches.Span[..batch.Length].ToArray();
        RecordBatch.SetBaseOffset(stored, 0);
        RecordBatch.SetPartitionLeaderEpoch(stored, -1);
        return stored.AsSpan().SequenceEqual(batch) && probe.LastOffset - probe.BaseOffset + 1 == batchRecords;
    }

    /// <summary>One appender per batch, each appending its batch again as soon as the previous append is acknowledged,
    /// for <paramref name="duration"/> (bounded); latencies in ms per appender when <paramref name="latencies"/> is given.</summary>
    private static async Task<LogPhase> AppendForAsync(PartitionLog log, byte[][] batches, int batchRecords, TimeSpan duration, List<double>[]? latencies)
    {
        var records = 0L;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, batches.Length).Select(async w =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await log.AppendAsync(batches[w]);
                latencies?[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref records, batchRecords);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return new LogPhase(records, clock.Elapsed.TotalSeconds, 0, 0, []);
    }

    private static byte[] BuildBatch(int seed, int recordSize, int records)
    {
        var random = new Random(seed);
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = RecordBatch.MaxBatchBytes });
        for (var i = 0; i < records; i++)
        {
            var value = new byte[recordSize];
            random.NextBytes(value);
            if (!builder.TryAppend(1_700_000_000_000 + i, null, value))
            {
                throw new InvalidOperationException("A bench batch did not fit in one batch.");
            }
        }

        return builder.ToArray();
    }

    /// <summary>Writes 1 MiB blocks to a fresh plain file with an fdatasync after each, for <paramref name="duration"/>.</summary>
    private static DiskPhase MeasureDisk(string directory, TimeSpan duration)
    {
        var path = Path.Combine(directory, $"disk-{Guid.NewGuid():N}.bin");
        var block = new byte[DiskBlockBytes];
        Random.Shared.NextBytes(block);
        var written = 0L;
        var clock = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            while (clock.Elapsed < duration && written < 16L * 1024 * 1024 * 1024)
            {
                file.Write(block);
                if (Native.FdataSync(file.SafeFileHandle) != 0)
                {
                    throw new IOException($"fdatasync failed with errno {Marshal.GetLastPInvokeError()}.");
                }

                written += block.Length;
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return new DiskPhase(written, seconds);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static partial int FdataSync(Microsoft.Win32.SafeHandles.SafeFileHandle fd);
    }
}
