using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Benchmarks;

/// <summary>
/// The partition log on the file store against the disk's own limit, measured in the same run and directory:
/// <list type="number">
/// <item>disk: 1 MiB writes to a plain file, each followed by fdatasync (what "acknowledged = on disk" costs at
/// that block size);</item>
/// <item>log: <c>--in-flight</c> appenders (default 64) append batches of <c>--batch-records</c> records
/// (default 64) of <c>--record-size</c> bytes (default 1,024), as a producer would send them, for <c>--duration</c>
/// seconds (default 20); group commit packs what queues into append blocks of up to 4 MiB;</item>
/// <item>disk again, so drift over the run shows and the denominator is the mean of both disk runs.</item>
/// </list>
/// Latency is per append, from the call to the durable acknowledgement.
/// </summary>
internal static partial class LogBenchmark
{
    private const int DiskBlockBytes = 1024 * 1024;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var duration = TimeSpan.FromSeconds(args.Double("duration", 20));
        var diskDuration = TimeSpan.FromSeconds(args.Double("disk-duration", 5));
        var recordSize = args.Int("record-size", 1024);
        var batchRecords = args.Int("batch-records", 64);
        var inFlight = args.Int("in-flight", 64);
        var directory = Path.Combine(args.String("dir", Path.GetTempPath()), $"runnel-bench-log-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            // Warm-up (not recorded): a fresh VM writes much slower the first time it touches memory and disk.
            MeasureDisk(directory, TimeSpan.FromSeconds(2));
            var diskBefore = MeasureDisk(directory, diskDuration);
            var log = await MeasureLogAsync(directory, duration, recordSize, batchRecords, inFlight);
            if (log is null)
            {
                return 1;
            }

            var diskAfter = MeasureDisk(directory, diskDuration);
            var diskMbPerSec = (diskBefore + diskAfter) / 2;
            var result = log.Value;
            Console.WriteLine($"disk, 1 MiB + fdatasync: {diskBefore:N1} MB/s before, {diskAfter:N1} MB/s after (mean {diskMbPerSec:N1})");
            Console.WriteLine($"log, {inFlight} appends in flight of {batchRecords} x {recordSize} B: {result.RecordsPerSec:N0} records/s, {result.MbPerSec:N1} MB/s = {result.MbPerSec / diskMbPerSec:N2} x disk");
            var sizes = result.BlockSizes.Select(b => (double)b).Order().ToArray();
            Console.WriteLine($"storage append sizes: p10 {Percentile(sizes, 0.10) / 1048576:N2} MiB, p50 {Percentile(sizes, 0.50) / 1048576:N2} MiB, p90 {Percentile(sizes, 0.90) / 1048576:N2} MiB; {sizes.Count(s => s < 512 * 1024):N0} under 512 KiB");
            Console.WriteLine($"append latency p50 {result.P50Ms:N2} ms, p99 {result.P99Ms:N2} ms; {result.Appends:N0} appends in {result.Blocks:N0} storage appends ({result.Seconds:N1} s, {result.StoreShare:P0} of it inside the store)");
            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["records_per_sec"] = Math.Round(result.RecordsPerSec),
                    ["mb_per_sec"] = Math.Round(result.MbPerSec, 1),
                    ["disk_mb_per_sec"] = Math.Round(diskMbPerSec, 1),
                    ["ratio_to_disk"] = Math.Round(result.MbPerSec / diskMbPerSec, 3),
                    ["p50_ms"] = Math.Round(result.P50Ms, 2),
                    ["p99_ms"] = Math.Round(result.P99Ms, 2),
                    ["appends"] = result.Appends,
                    ["storage_appends"] = result.Blocks,
                    ["store_busy_share"] = Math.Round(result.StoreShare, 3),
                    ["record_size"] = recordSize,
                    ["batch_records"] = batchRecords,
                    ["in_flight"] = inFlight,
                }));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private readonly record struct LogResult(double RecordsPerSec, double MbPerSec, double P50Ms, double P99Ms, long Appends, long Blocks, double Seconds, double StoreShare, int[] BlockSizes);

    private static async Task<LogResult?> MeasureLogAsync(string directory, TimeSpan duration, int recordSize, int batchRecords, int inFlight)
    {
        var store = new CountingStore(new FileObjectStore(Path.Combine(directory, "store")));
        var log = await PartitionLog.OpenAsync(store, new PartitionPaths("topics/bench/0/"), "bench");
        var batches = Enumerable.Range(0, inFlight).Select(i => BuildBatch(i, recordSize, batchRecords)).ToArray();

        // Validate before timing: the first batch must read back unchanged at its offset.
        var probe = await log.AppendAsync(batches[0]);
        var read = await log.ReadAsync(probe.BaseOffset, 1 << 20);
        var stored = read.Batches.Span[..batches[0].Length].ToArray();
        RecordBatch.SetBaseOffset(stored, 0);
        RecordBatch.SetPartitionLeaderEpoch(stored, -1);
        if (!stored.AsSpan().SequenceEqual(batches[0]) || probe.LastOffset - probe.BaseOffset + 1 != batchRecords)
        {
            Console.Error.WriteLine("validation failed: the appended batch did not read back unchanged");
            return null;
        }

        var latencies = new List<double>[inFlight];
        var records = 0L;
        var blocksBefore = store.Appends;
        var storeTimeBefore = store.AppendTime;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, inFlight).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(1 << 16);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await log.AppendAsync(batches[w]);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref records, batchRecords);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var blocks = store.Appends - blocksBefore;
        var blockSizes = store.BlockSizes(blocksBefore);
        var storeShare = (store.AppendTime - storeTimeBefore).TotalSeconds / seconds;
        await log.CloseAsync();

        var all = latencies.SelectMany(l => l).Order().ToArray();
        var bytes = (double)records * recordSize;
        return new LogResult(records / seconds, bytes / seconds / 1e6, Percentile(all, 0.50), Percentile(all, 0.99), all.Length, blocks, seconds, storeShare, blockSizes);
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

    /// <summary>Writes 1 MiB blocks to a fresh plain file with an fdatasync after each, for <paramref name="duration"/>; MB/s.</summary>
    private static double MeasureDisk(string directory, TimeSpan duration)
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
        return written / seconds / 1e6;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static partial int FdataSync(Microsoft.Win32.SafeHandles.SafeFileHandle fd);
    }
}
