using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// What a transaction costs on the server, at the grain level: <c>--transactions N</c> (default 200) transactions in a row,
/// each adding <c>--partitions P</c> partitions (default 1 and 10, one row each) to the coordinator, writing one
/// transactional batch of <c>--records R</c> 1 KiB records (default 10) to each, then committing (markers to every
/// partition); next to the same writes as plain idempotent batches without a transaction, in the same run, interleaved
/// over <c>--rounds</c> (default 2). One silo in this process on a file store in a temporary directory. Validated before
/// it counts: every partition's read_committed fetch holds every record and its last stable offset is its high watermark.
/// </summary>
internal static class TransactionCoordinatorBenchmark
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var transactions = args.Int("transactions", 200);
        var records = args.Int("records", 10);
        var rounds = args.Int("rounds", 2);
        int[] partitionCounts = args.Int("partitions", 0) is > 0 and var p ? [p] : [1, 10];
        using var directory = new TempDirectory("bench-txn");
        var store = new FileObjectStore(directory.Path);
        using var host = await InProcessSilo.StartAsync(store);
        try
        {
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var rows = new List<Dictionary<string, object?>>();
            var run = 0;
            foreach (var partitions in partitionCounts)
            {
                var plain = new List<double>();
                var transactional = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    run++;
                    plain.Add(await PlainAsync(grains, $"plain-{run}", partitions, transactions, records));
                    transactional.Add(await TransactionalAsync(grains, $"txn-{run}", $"bench-{run}", partitions, transactions, records));
                }

                var (plainS, txnS) = (plain.Order().ElementAt(plain.Count / 2), transactional.Order().ElementAt(transactional.Count / 2));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{partitions,3} partitions: {transactions} transactions of {records} x 1 KiB per partition: {transactions / txnS:N0} txn/s ({txnS * 1000 / transactions:F2} ms each, {transactions * partitions * records / txnS:N0} records/s); " +
                    $"same writes without transactions {transactions / plainS:N0} rounds/s ({plainS * 1000 / transactions:F2} ms each); txn / plain time = {txnS / plainS:F2}"));
                rows.Add(new Dictionary<string, object?>
                {
                    ["partitions"] = partitions, ["txn_per_s"] = Math.Round(transactions / txnS, 1), ["txn_ms"] = Math.Round(txnS * 1000 / transactions, 3),
                    ["plain_ms"] = Math.Round(plainS * 1000 / transactions, 3), ["ratio"] = Math.Round(txnS / plainS, 2),
                });
            }

            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "txn-coord", ["transactions"] = transactions, ["records"] = records, ["rounds"] = rounds, ["rows"] = rows,
                }));
            }

            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<double> PlainAsync(IClusterClient grains, string topic, int partitions, int transactions, int records)
    {
        await grains.GetGrain<ITopicGrain>(topic).CreateAsync(partitions, null);
        var producer = await grains.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey).AllocateAsync();
        var started = Stopwatch.GetTimestamp();
        for (var t = 0; t < transactions; t++)
        {
            await WriteAllAsync(grains, topic, partitions, producer, t * records, records, transactional: false);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await ValidateAsync(grains, topic, partitions, transactions * records, markers: 0);
        return seconds;
    }

    private static async Task<double> TransactionalAsync(IClusterClient grains, string topic, string transactionalId, int partitions, int transactions, int records)
    {
        await grains.GetGrain<ITopicGrain>(topic).CreateAsync(partitions, null);
        var coordinator = grains.GetGrain<ITransactionCoordinatorGrain>(transactionalId);
        var producer = await coordinator.InitProducerIdAsync(TimeSpan.FromMinutes(1));
        var all = Enumerable.Range(0, partitions).Select(p => new TransactionPartition(topic, p)).ToList();
        var started = Stopwatch.GetTimestamp();
        for (var t = 0; t < transactions; t++)
        {
            await coordinator.AddPartitionsAsync(producer, all);
            await WriteAllAsync(grains, topic, partitions, producer, 0, records, transactional: true);
            producer = await coordinator.EndTransactionAsync(producer, commit: true, bumpEpoch: true);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await ValidateAsync(grains, topic, partitions, transactions * records, markers: transactions);
        return seconds;
    }

    /// <summary>One batch of <paramref name="records"/> 1 KiB records to every partition, in parallel.</summary>
    private static Task WriteAllAsync(IClusterClient grains, string topic, int partitions, ProducerIdentity producer, int sequence, int records, bool transactional) =>
        Task.WhenAll(Enumerable.Range(0, partitions).Select(async p =>
        {
            var options = new RecordBatchBuilderOptions { ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, BaseSequence = sequence, IsTransactional = transactional };
            using var builder = new RecordBatchBuilder(options);
            var value = Encoding.UTF8.GetBytes(new string('v', 1024));
            for (var i = 0; i < records; i++)
            {
                builder.TryAppend(1_700_000_000_000 + i, Encoding.UTF8.GetBytes("k" + i), value);
            }

            await grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, p)).ProduceAsync(new ProduceRequest(builder.ToArray()));
        }));

    /// <summary>Every data record is there for a read_committed reader, and the last stable offset is the high watermark.</summary>
    private static async Task ValidateAsync(IClusterClient grains, string topic, int partitions, int expectedRecords, int markers)
    {
        for (var p = 0; p < partitions; p++)
        {
            var partition = grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, p));
            long offset = 0, data = 0, hw;
            while (true)
            {
                var read = await partition.FetchAsync(new FetchRequest(offset, 8 << 20, TimeSpan.Zero, IsolationLevel.ReadCommitted));
                hw = read.HighWatermark;
                if (read.LastStableOffset != read.HighWatermark)
                {
                    throw new InvalidOperationException($"{topic}/{p}: last stable offset {read.LastStableOffset} is below the high watermark {read.HighWatermark}.");
                }

                if (read.AbortedTransactions.Count > 0)
                {
                    throw new InvalidOperationException($"{topic}/{p}: {read.AbortedTransactions.Count} aborted transactions.");
                }

                foreach (var batch in new RecordBatchReader(read.Batches))
                {
                    if (!batch.Header.IsControlBatch)
                    {
                        data += batch.LastOffset - batch.BaseOffset + 1;
                    }

                    offset = batch.LastOffset + 1;
                }

                if (offset >= hw || read.Batches.IsEmpty)
                {
                    break;
                }
            }

            if (data != expectedRecords || hw != expectedRecords + markers)
            {
                throw new InvalidOperationException($"{topic}/{p}: {data} records and high watermark {hw}; expected {expectedRecords} records and {expectedRecords + markers}.");
            }
        }
    }
}
