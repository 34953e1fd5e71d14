using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// Table restore time: a <see cref="RunnelTable{TKey, TValue}"/> over a topic of <c>--keys N</c> distinct keys (default
/// 1,000,000; <c>--size B</c> byte values, default 100; <c>--partitions P</c>, default 4) materialized from the log start
/// until it caught up, next to the same-run denominators of reading the same topic with a plain consumer: the stored
/// batches walked in place (<c>ConsumeBatchesAsync</c>, no per-record work) and records decoded to strings
/// (<c>ConsumeAsync</c>). One silo in this process on a file store in a temporary directory; <c>--rounds R</c> (default
/// 2) rounds of the three, interleaved. Each reading is validated (record and row counts, sampled values) before it counts.
/// </summary>
internal static class TableBenchmark
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var keys = args.Int("keys", 1_000_000);
        var size = args.Int("size", 100);
        var partitions = args.Int("partitions", 4);
        var rounds = args.Int("rounds", 2);
        using var directory = new TempDirectory("bench-table");
        var store = new FileObjectStore(directory.Path);
        using var host = await InProcessSilo.StartAsync(store);
        try
        {
            await using var runnel = RunnelConnection.FromGrainFactory(host.Services.GetRequiredService<IClusterClient>());
            const string Topic = "bench-table";
            await runnel.Admin.CreateTopicAsync(Topic, partitions, new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
            var produceStarted = Stopwatch.GetTimestamp();
            await ProduceAsync(runnel, Topic, keys, size);
            var produceSeconds = Stopwatch.GetElapsedTime(produceStarted).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{keys:N0} keys of {size} B values, {partitions} partitions, one silo, file store (produced in {produceSeconds:F1} s)"));

            var results = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["batches"] = [], ["records"] = [], ["table"] = [] };
            long tableBytes = 0;
            for (var round = 0; round < rounds; round++)
            {
                results["batches"].Add(await ReadBatchesAsync(runnel, Topic, partitions, keys));
                results["records"].Add(await ReadRecordsAsync(runnel, Topic, partitions, keys));
                var (seconds, bytes) = await RestoreTableAsync(runnel, Topic, keys, size);
                results["table"].Add(seconds);
                tableBytes = bytes;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1}: consumer batches {results["batches"][^1]:F2} s, consumer records {results["records"][^1]:F2} s, table restore {seconds:F2} s"));
            }

            double Median(string name) => results[name].Order().ElementAt(results[name].Count / 2);
            var table = Median("table");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  median: table restore {table:F2} s ({keys / table:N0} keys/s, {tableBytes / 1048576.0:N0} MiB held); " +
                $"plain consumer {Median("batches"):F2} s batches, {Median("records"):F2} s records; table / records = {table / Median("records"):F2}"));
            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "table", ["keys"] = keys, ["size"] = size, ["partitions"] = partitions, ["rounds"] = rounds,
                    ["table_restore_s"] = Math.Round(table, 3), ["consumer_batches_s"] = Math.Round(Median("batches"), 3),
                    ["consumer_records_s"] = Math.Round(Median("records"), 3), ["table_bytes"] = tableBytes,
                }));
            }

            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static string Key(int i) => string.Create(CultureInfo.InvariantCulture, $"key-{i:D7}");

    private static string Value(int i, int size) => string.Create(CultureInfo.InvariantCulture, $"{i}:").PadRight(size, 'v');

    private static async Task ProduceAsync(RunnelConnection runnel, string topic, int keys, int size)
    {
        await using var producer = runnel.CreateProducer<string, string>(ProducerOptions.Default with { BatchSize = 256 * 1024, Linger = TimeSpan.FromMilliseconds(5) });
        var failed = 0;
        for (var i = 0; i < keys; i++)
        {
            await producer.EnqueueAsync(topic, new Message<string, string> { Key = Key(i), Value = Value(i, size) }, report =>
            {
                if (report.Error is not null)
                {
                    Interlocked.Increment(ref failed);
                }
            });
        }

        await producer.FlushAsync();
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} records were not produced.");
        }
    }

    private static async Task<double> ReadBatchesAsync(RunnelConnection runnel, string topic, int partitions, int keys)
    {
        await using var consumer = runnel.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var started = Stopwatch.GetTimestamp();
        var seen = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await foreach (var batch in consumer.ConsumeBatchesAsync(timeout.Token))
        {
            foreach (var _ in batch)
            {
                seen++;
            }

            if (seen >= keys)
            {
                break;
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return seen == keys ? seconds : throw new InvalidOperationException($"The consumer read {seen} records, expected {keys}.");
    }

    private static async Task<double> ReadRecordsAsync(RunnelConnection runnel, string topic, int partitions, int keys)
    {
        await using var consumer = runnel.CreateConsumer<string, string>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var started = Stopwatch.GetTimestamp();
        var seen = 0;
        long length = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            length += record.Message.Value!.Length;
            if (++seen >= keys)
            {
                break;
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return seen == keys && length > 0 ? seconds : throw new InvalidOperationException($"The consumer read {seen} records, expected {keys}.");
    }

    private static async Task<(double Seconds, long Bytes)> RestoreTableAsync(RunnelConnection runnel, string topic, int keys, int size)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (gen2, pause) = (GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var started = Stopwatch.GetTimestamp();
        await using var table = runnel.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(TimeSpan.FromMinutes(10));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    table restore: {GC.CollectionCount(2) - gen2} gen-2 GCs, {(GC.GetTotalPauseDuration() - pause).TotalSeconds:F2} s paused in GC"));
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        if (table.Count != keys)
        {
            throw new InvalidOperationException($"The table holds {table.Count} rows, expected {keys}.");
        }

        foreach (var i in new[] { 0, keys / 2, keys - 1 })
        {
            if (!table.TryGetValue(Key(i), out var value) || value != Value(i, size))
            {
                throw new InvalidOperationException($"The table's row {Key(i)} is wrong.");
            }
        }

        return (seconds, bytes);
    }
}
