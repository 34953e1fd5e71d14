using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// Transactional produce throughput next to idempotent produce, in the same run: <c>--records N</c> records (default
/// 200,000) of <c>--size B</c> bytes (default 1024) with distinct keys over <c>--partitions P</c> partitions (default 4),
/// by one producer, (a) idempotent, (b) transactional committing every 1,000 records, (c) transactional committing every
/// 100,000 (<c>--small</c> and <c>--large</c> change the two). Each mode writes a fresh topic; <c>--rounds R</c> rounds
/// (default 2), modes interleaved, median reported. One silo in this process on a file store in a temporary directory.
/// Every run is validated before it counts: a read_committed consumer reads the N distinct records back.
/// </summary>
internal static class TransactionsBenchmark
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var records = args.Int("records", 200_000);
        var size = args.Int("size", 1024);
        var partitions = args.Int("partitions", 4);
        var rounds = args.Int("rounds", 2);
        var small = args.Int("small", 1_000);
        var large = args.Int("large", 100_000);
        using var directory = new TempDirectory("bench-transactions");
        var store = new FileObjectStore(directory.Path);
        using var host = await InProcessSilo.StartAsync(store);
        try
        {
            await using var runnel = RunnelConnection.FromGrainFactory(host.Services.GetRequiredService<IClusterClient>());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{records:N0} records of {size} B, {partitions} partitions, one producer, one silo, file store; {rounds} rounds"));
            var modes = new (string Name, int Every)[] { ("idempotent", 0), ($"commit every {small:N0}", small), ($"commit every {large:N0}", large) };
            var results = modes.ToDictionary(m => m.Name, _ => new List<double>(), StringComparer.Ordinal);
            var value = new byte[size];
            Random.Shared.NextBytes(value);
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (name, every) in modes)
                {
                    var topic = $"bench-tx-{round}-{every}";
                    await runnel.Admin.CreateTopicAsync(topic, partitions);
                    var seconds = await ProduceAsync(runnel, topic, records, value, every, $"bench-tx-{round}-{every}");
                    await ValidateAsync(runnel, topic, partitions, records);
                    results[name].Add(records / seconds);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}: {name,-22} {records / seconds,12:N0} records/s ({seconds:F2} s)"));
                }
            }

            double Median(string name) => results[name].Order().ElementAt(results[name].Count / 2);
            var idempotent = Median(modes[0].Name);
            foreach (var (name, _) in modes)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  median: {name,-22} {Median(name),12:N0} records/s ({Median(name) * size / 1048576.0:F1} MiB/s, {Median(name) / idempotent:F2}x idempotent)"));
            }

            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "transactions", ["records"] = records, ["size"] = size, ["partitions"] = partitions, ["rounds"] = rounds,
                    ["idempotent_records_per_s"] = Math.Round(idempotent),
                    ["transactional_small_every"] = small, ["transactional_small_records_per_s"] = Math.Round(Median(modes[1].Name)),
                    ["transactional_large_every"] = large, ["transactional_large_records_per_s"] = Math.Round(Median(modes[2].Name)),
                }));
            }

            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Produces <paramref name="count"/> records, idempotently (<paramref name="every"/> 0) or in transactions of
    /// <paramref name="every"/> records; seconds from the first record to the last acknowledgement or commit.</summary>
    private static async Task<double> ProduceAsync(RunnelConnection runnel, string topic, int count, byte[] value, int every, string transactionalId)
    {
        var options = ProducerOptions.Default with { TransactionalId = every > 0 ? transactionalId : null };
        await using var producer = runnel.CreateProducer<string, byte[]>(options);
        if (every > 0)
        {
            await producer.InitTransactionsAsync();
        }

        var failed = 0;
        RunnelException? firstError = null;
        void OnDelivery(DeliveryReport<string, byte[]> report)
        {
            if (report.Error is { } error)
            {
                Interlocked.CompareExchange(ref firstError, error, null);
                Interlocked.Increment(ref failed);
            }
        }

        var started = Stopwatch.GetTimestamp();
        if (every > 0)
        {
            producer.BeginTransaction();
        }

        for (var i = 0; i < count; i++)
        {
            await producer.EnqueueAsync(topic, new Message<string, byte[]> { Key = string.Create(CultureInfo.InvariantCulture, $"k{i}"), Value = value }, OnDelivery);
            if (every > 0 && (i + 1) % every == 0)
            {
                await producer.CommitTransactionAsync();
                if (i + 1 < count)
                {
                    producer.BeginTransaction();
                }
            }
        }

        if (every == 0)
        {
            await producer.FlushAsync();
        }
        else if (count % every != 0)
        {
            await producer.CommitTransactionAsync();
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return failed == 0 ? seconds : throw new InvalidOperationException($"{failed} records were not produced (first: {firstError?.Message}).");
    }

    /// <summary>A read_committed consumer reads the <paramref name="count"/> distinct records back.</summary>
    private static async Task ValidateAsync(RunnelConnection runnel, string topic, int partitions, int count)
    {
        await using var consumer = runnel.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with
        {
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var seen = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            keys.Add(System.Text.Encoding.UTF8.GetString(record.Message.Key!));
            if (++seen >= count)
            {
                break;
            }
        }

        // Distinct keys: a duplicate would leave one missing after count records.
        if (keys.Count != count)
        {
            throw new InvalidOperationException($"{topic}: read_committed read {keys.Count} distinct records of {seen}, expected {count}.");
        }
    }
}
