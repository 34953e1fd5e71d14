using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Benchmarks;

/// <summary>
/// A compaction pass on the file store against the disk's sequential read + write of the same bytes, in the same run
/// and directory:
/// <list type="number">
/// <item>fill: <c>--mb</c> MB (default 256) of keyed records, <c>--record-size</c> bytes each (default 1,024) in batches
/// of 64, keys drawn from <c>--keys</c> (default 20,000) with a seeded generator, in <c>--segment-mb</c> MiB segments
/// (default 32); not timed;</item>
/// <item>the disk: as many bytes as the sealed segments hold written to a new plain file in 4 MiB writes, each followed
/// by fdatasync (the store's append block and durability), then read back front to back in 1 MiB reads;</item>
/// <item>one forced compaction pass, timed: input MB/s is the sealed bytes cleaned per second of the pass;</item>
/// <item>validation: a scan of the cleaned range must hold exactly the latest record of each key written there, at its
/// offset (a run that fails it prints no figures).</item>
/// </list>
/// Both sides read what was just written, so their reads come mostly from the page cache; the writes are what the disk
/// really does.
/// </summary>
internal static partial class CompactionBenchmark
{
    private const int BatchRecords = 64;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var megabytes = args.Int("mb", 256);
        var recordSize = args.Int("record-size", 1024);
        var keys = args.Int("keys", 20_000);
        var segmentMb = args.Int("segment-mb", 32);
        if (megabytes < 1 || recordSize < 16 || keys < 1 || segmentMb < 1)
        {
            Console.Error.WriteLine("--mb, --keys and --segment-mb must be positive; --record-size at least 16.");
            return 2;
        }

        var directory = Path.Combine(args.String("dir", Path.GetTempPath()), $"runnel-bench-compact-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var storeRoot = Path.Combine(directory, "store");
            var store = new FileObjectStore(storeRoot);
            var paths = new PartitionPaths("topics/bench/0/");
            var log = await PartitionLog.OpenAsync(store, paths, "bench", new PartitionLogOptions { SegmentBytes = segmentMb * 1024L * 1024 });
            var random = new Random(42);
            var keyOf = new List<int>();
            var value = new byte[recordSize];
            for (long written = 0; written < megabytes * 1_000_000L; written += BatchRecords * (long)recordSize)
            {
                using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = RecordBatch.MaxBatchBytes });
                for (var i = 0; i < BatchRecords; i++)
                {
                    var key = random.Next(keys);
                    keyOf.Add(key);
                    random.NextBytes(value);
                    builder.TryAppend(1_700_000_000_000 + keyOf.Count, Encoding.ASCII.GetBytes($"key-{key}"), value);
                }

                await log.AppendAsync(builder.ToArray());
            }

            var sealedSegments = log.Manifest.Segments.SkipLast(1).ToList();
            var cleanedTo = log.Manifest.Segments[^1].BaseOffset;
            var inputBytes = sealedSegments.Sum(s => s.SealedLength!.Value);
            if (sealedSegments.Count == 0)
            {
                Console.Error.WriteLine("Nothing sealed to compact: raise --mb or lower --segment-mb.");
                return 2;
            }

            var (readSeconds, writeSeconds) = MeasureDisk(directory, inputBytes);

            // The store's own sequential read of the input (the pass reads it twice), for where the time goes.
            var storeClock = Stopwatch.StartNew();
            foreach (var segment in sealedSegments)
            {
                for (var position = 0L; position < segment.SealedLength; position += 8 << 20)
                {
                    await store.GetAsync(segment.Name, new ByteRange(position, (int)Math.Min(8 << 20, segment.SealedLength!.Value - position)));
                }
            }

            var storeReadMbPerSec = inputBytes / storeClock.Elapsed.TotalSeconds / 1e6;
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            var result = await log.CompactAsync(new CompactionPolicy(), DateTimeOffset.UtcNow, force: true);
            var passSeconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;

            if (!await ValidateAsync(log, keyOf, cleanedTo) || result.BytesRead != inputBytes)
            {
                Console.Error.WriteLine("validation failed: the compacted range is not each key's latest record at its offset");
                return 1;
            }

            await log.CloseAsync();
            var passMbPerSec = inputBytes / passSeconds / 1e6;
            var readMbPerSec = inputBytes / readSeconds / 1e6;
            var writeMbPerSec = inputBytes / writeSeconds / 1e6;
            var diskMbPerSec = inputBytes / (readSeconds + writeSeconds) / 1e6;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"input: {inputBytes / 1e6:N1} MB in {sealedSegments.Count} sealed segments, {result.RecordsRead:N0} records of {keys:N0} keys"));
            Console.WriteLine(string.Create(inv, $"disk, same bytes: sequential read {readMbPerSec:N1} MB/s, write (4 MiB + fdatasync) {writeMbPerSec:N1} MB/s; read then write {diskMbPerSec:N1} MB/s"));
            Console.WriteLine(string.Create(inv, $"file store, sequential 8 MiB ranged reads of the input: {storeReadMbPerSec:N1} MB/s"));
            Console.WriteLine(string.Create(inv, $"compaction: {passSeconds:N2} s = {passMbPerSec:N1} MB/s of input = {passMbPerSec / diskMbPerSec:N2} x disk read+write; kept {result.RecordsKept:N0} records, {result.BytesWritten / 1e6:N1} MB; {cpuSeconds / (inputBytes / 1e9):N2} CPU-s per GB"));
            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["input_mb"] = Math.Round(inputBytes / 1e6, 1),
                    ["compaction_mb_per_sec"] = Math.Round(passMbPerSec, 1),
                    ["disk_read_mb_per_sec"] = Math.Round(readMbPerSec, 1),
                    ["disk_write_mb_per_sec"] = Math.Round(writeMbPerSec, 1),
                    ["disk_read_write_mb_per_sec"] = Math.Round(diskMbPerSec, 1),
                    ["ratio_to_disk"] = Math.Round(passMbPerSec / diskMbPerSec, 3),
                    ["store_read_mb_per_sec"] = Math.Round(storeReadMbPerSec, 1),
                    ["records_read"] = result.RecordsRead,
                    ["records_kept"] = result.RecordsKept,
                    ["cpu_s_per_gb"] = Math.Round(cpuSeconds / (inputBytes / 1e9), 2),
                }));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every record below <paramref name="cleanedTo"/> must be the latest of its key there, and every key
    /// written there must have one.</summary>
    private static async Task<bool> ValidateAsync(PartitionLog log, List<int> keyOf, long cleanedTo)
    {
        var latest = new Dictionary<string, long>();
        for (var offset = 0; offset < cleanedTo; offset++)
        {
            latest[$"key-{keyOf[offset]}"] = offset;
        }

        var seen = 0;
        for (var offset = 0L; offset < cleanedTo;)
        {
            var read = await log.ReadAsync(offset, 4 << 20);
            foreach (var batch in new RecordBatchReader(read.Batches))
            {
                using var records = batch.ReadRecords();
                foreach (var record in records)
                {
                    if (record.Offset < offset || record.Offset >= cleanedTo)
                    {
                        continue;
                    }

                    if (latest[Encoding.ASCII.GetString(record.Key!.Value.Span)] != record.Offset)
                    {
                        return false;
                    }

                    seen++;
                }

                offset = batch.LastOffset + 1;
            }
        }

        return seen == latest.Count;
    }

    /// <summary>Writes <paramref name="bytes"/> to a new plain file in 4 MiB writes each followed by fdatasync, then reads
    /// it back front to back in 1 MiB reads.</summary>
    private static (double ReadSeconds, double WriteSeconds) MeasureDisk(string directory, long bytes)
    {
        var buffer = new byte[4 * 1024 * 1024];
        Random.Shared.NextBytes(buffer);
        var path = Path.Combine(directory, "disk.bin");
        var clock = Stopwatch.StartNew();
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (var written = 0L; written < bytes; written += buffer.Length)
            {
                stream.Write(buffer.AsSpan(0, (int)Math.Min(buffer.Length, bytes - written)));
                if (Native.FdataSync(stream.SafeFileHandle) != 0)
                {
                    throw new IOException($"fdatasync failed with errno {Marshal.GetLastPInvokeError()}.");
                }
            }
        }

        var write = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 0))
        {
            while (stream.Read(buffer.AsSpan(0, 1024 * 1024)) > 0)
            {
            }
        }

        var read = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return (read, write);
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static partial int FdataSync(Microsoft.Win32.SafeHandles.SafeFileHandle fd);
    }
}
