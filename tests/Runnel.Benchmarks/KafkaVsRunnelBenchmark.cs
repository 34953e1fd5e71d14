using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Runnel.Client;
using Runnel.Testing;
using CK = Confluent.Kafka;

namespace Runnel.Benchmarks;

/// <summary>
/// <c>kafka-vs-runnel</c>: issue #20's proof. One <c>runnel-silo</c> child process on a file store in a temporary
/// directory, with its gateway and its Kafka listener on loopback; Confluent.Kafka (librdkafka) and Runnel's own client
/// each produce <c>--records</c> (default 200,000) records of <c>--size</c> (1,024) bytes over <c>--partitions</c> (4) to a
/// topic of their own (both idempotent, acks=all / durable, linger 5 ms, no compression, other settings each client's
/// defaults), then each consumer reads the same topic (the Kafka-produced one) from the beginning with Assign, after one
/// untimed warm-up read (<c>--partition-fetch-bytes</c>: librdkafka's max.partition.fetch.bytes, default its 1 MiB). <c>--rounds</c> (2) repeats it all, alternating which client goes first; the best round of each
/// is reported, and the ratios Kafka protocol / Runnel client (issue #20's target: both ≥ 0.8). A last line splits each
/// best read into the time to its first record and the rate from there on. Before its clock starts, each Confluent
/// consumer is connected and has the partitions' leaders (a watermark query per partition), as the Runnel client's
/// connection is open and knows the topic: timed from Assign, both pay only the offset lookup and the reads. Every read is checked to have seen every record once, in offset order.
/// </summary>
internal static class KafkaVsRunnelBenchmark
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    /// <summary>How long the ceiling read leaves librdkafka to fetch the whole topic into its queue (~0.5 s at this
    /// machine's read rate for the default 200 MB).</summary>
    private static readonly TimeSpan PrefetchTime = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var records = args.Int("records", 200_000);
        var size = args.Int("size", 1024);
        var partitions = args.Int("partitions", 4);
        var rounds = args.Int("rounds", 2);

        // librdkafka's max.partition.fetch.bytes (its default 1 MiB unless given): how much one Fetch brings per partition.
        var partitionFetchBytes = args.Int("partition-fetch-bytes", 1 << 20);

        using var data = new TempDirectory("runnel-kafka-vs");
        var kafkaPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var bootstrap = $"127.0.0.1:{kafkaPort}";
        using var silo = ChildProcess.Start(
            ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", data.Path, "--port", Str(gatewayPort), "--silo-port", Str(FreePort.Next()), "--http-port", Str(FreePort.Next()), "--kafka-port", Str(kafkaPort), "--cluster", "kafka-vs"],
            workingDirectory: data.Path);
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with
        {
            Bootstrap = [$"127.0.0.1:{gatewayPort}"],
            ClusterId = "kafka-vs",
            ClientName = "kafka-vs-bench",
        });

        var value = new byte[size];
        Random.Shared.NextBytes(value);
        double kafkaProduce = 0, runnelProduce = 0, kafkaConsume = 0, runnelConsume = 0;

        // Each consumer's time to its first record (in the timing above) and its rate from there on, of its best run.
        Consumed kafkaRead = default, runnelRead = default;
        for (var round = 0; round < rounds; round++)
        {
            var kafkaTopic = $"kafka-{round}";
            var runnelTopic = $"runnel-{round}";
            await connection.Admin.CreateTopicAsync(kafkaTopic, partitions);
            await connection.Admin.CreateTopicAsync(runnelTopic, partitions);

            // Alternate who goes first, so neither always finds the silo (JIT, caches, the disk) warmer.
            var kafkaFirst = round % 2 == 0;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == kafkaFirst)
                {
                    kafkaProduce = Math.Max(kafkaProduce, ConfluentProduce(bootstrap, kafkaTopic, records, partitions, value));
                }
                else
                {
                    runnelProduce = Math.Max(runnelProduce, await RunnelProduceAsync(connection, runnelTopic, records, partitions, value));
                }
            }

            ConfluentConsume(bootstrap, kafkaTopic, records, partitions, partitionFetchBytes); // warm-up
            await RunnelConsumeAsync(connection, kafkaTopic, records, partitions);
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == kafkaFirst)
                {
                    var read = ConfluentConsume(bootstrap, kafkaTopic, records, partitions, partitionFetchBytes);
                    kafkaRead = read.Rate > kafkaConsume ? read : kafkaRead;
                    kafkaConsume = Math.Max(kafkaConsume, read.Rate);
                }
                else
                {
                    var read = await RunnelConsumeAsync(connection, kafkaTopic, records, partitions);
                    runnelRead = read.Rate > runnelConsume ? read : runnelRead;
                    runnelConsume = Math.Max(runnelConsume, read.Rate);
                }
            }
        }

        // librdkafka's own ceiling: a consumer whose local queue may hold the whole topic is given time to fetch all of it
        // before the clock starts; what remains is its Consume() loop alone (the server takes no part in it).
        // Beside the defaults (never instead): librdkafka pausing a partition's fetching for 10 ms, not its default
        // 1,000 ms, when its local queue holds queued.max.messages.kbytes (64 MiB): with a server that fills the queue
        // faster than the application drains it, that pause is what bounds the default read.
        var tuned = 0.0;
        for (var round = 0; round < rounds; round++)
        {
            tuned = Math.Max(tuned, ConfluentConsume(bootstrap, "kafka-0", records, partitions, partitionFetchBytes, fetchQueueBackoffMs: 10).Rate);
        }

        var ceiling = ConfluentConsume(
            bootstrap, "kafka-0", records, partitions, partitionFetchBytes,
            queueKbytes: (int)Math.Min(int.MaxValue, 2L * records * (size + 128) / 1024), pauseAfterFirst: PrefetchTime).RateAfterFirst;

        var produceRatio = kafkaProduce / runnelProduce;
        var consumeRatio = kafkaConsume / runnelConsume;
        var mib = size / (1024.0 * 1024.0);
        Console.WriteLine($"kafka-vs-runnel: {records:N0} records of {size} B over {partitions} partitions, one silo on a file store, best of {rounds} rounds, librdkafka max.partition.fetch.bytes {partitionFetchBytes:N0}");
        Console.WriteLine($"  produce  Confluent.Kafka (Kafka protocol)   {kafkaProduce,10:N0} records/s {kafkaProduce * mib,8:N1} MiB/s");
        Console.WriteLine($"  produce  Runnel client                      {runnelProduce,10:N0} records/s {runnelProduce * mib,8:N1} MiB/s");
        Console.WriteLine($"  consume  Confluent.Kafka (Kafka protocol)   {kafkaConsume,10:N0} records/s {kafkaConsume * mib,8:N1} MiB/s");
        Console.WriteLine($"  consume  Runnel client                      {runnelConsume,10:N0} records/s {runnelConsume * mib,8:N1} MiB/s");
        Console.WriteLine($"  ratio Kafka/Runnel: produce {produceRatio:0.00}x, consume {consumeRatio:0.00}x (target >= 0.80x each)");
        Console.WriteLine($"  consume, first record after: Confluent.Kafka {kafkaRead.FirstRecord.TotalMilliseconds:N0} ms, Runnel client {runnelRead.FirstRecord.TotalMilliseconds:N0} ms; " +
            $"from there on {kafkaRead.RateAfterFirst:N0} / {runnelRead.RateAfterFirst:N0} records/s = {kafkaRead.RateAfterFirst / runnelRead.RateAfterFirst:0.00}x");
        Console.WriteLine($"  tuned beside: Confluent.Kafka with fetch.queue.backoff.ms=10 (default 1000): {tuned:N0} records/s = {tuned / runnelConsume:0.00}x");
        Console.WriteLine($"  Confluent.Kafka's Consume() loop over records already fetched (its ceiling, no server in it): {ceiling:N0} records/s = {ceiling / runnelConsume:0.00}x the Runnel client's read");
        if (args.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { records, size, partitions, rounds, partitionFetchBytes, kafkaProduce, runnelProduce, kafkaConsume, runnelConsume, produceRatio, consumeRatio, kafkaConsumeLoopCeiling = ceiling, kafkaConsumeFetchQueueBackoff10 = tuned }));
        }

        return 0;
    }

    private static double ConfluentProduce(string bootstrap, string topic, int records, int partitions, byte[] value)
    {
        var watch = Stopwatch.StartNew();
        using var producer = new CK.ProducerBuilder<byte[], byte[]>(new CK.ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true, LingerMs = 5, Acks = CK.Acks.All }).Build();
        var failed = 0;
        for (var i = 0; i < records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(new CK.TopicPartition(topic, i % partitions), new CK.Message<byte[], byte[]> { Value = value }, r =>
                    {
                        if (r.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
                    break;
                }
                catch (CK.ProduceException<byte[], byte[]> ex) when (ex.Error.Code == CK.ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        if (producer.Flush(Guard) != 0 || failed != 0)
        {
            throw new InvalidOperationException($"Confluent produce: {failed} failed deliveries or records left after the flush.");
        }

        return records / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> RunnelProduceAsync(RunnelConnection connection, string topic, int records, int partitions, byte[] value)
    {
        var watch = Stopwatch.StartNew();
        var failed = 0;
        await using (var producer = connection.CreateProducer<byte[], byte[]>(ProducerOptions.Default with { EnableIdempotence = true, Linger = TimeSpan.FromMilliseconds(5) }))
        {
            for (var i = 0; i < records; i++)
            {
                await producer.EnqueueAsync(topic, new Message<byte[], byte[]> { Value = value }, r =>
                {
                    if (r.Error is not null)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }, partition: i % partitions);
            }

            await producer.FlushAsync();
        }

        if (failed != 0)
        {
            throw new InvalidOperationException($"Runnel produce: {failed} failed deliveries.");
        }

        return records / watch.Elapsed.TotalSeconds;
    }

    /// <summary>One Confluent read of the whole topic with Assign. <paramref name="fetchQueueBackoffMs"/> and
    /// <paramref name="queueKbytes"/> (queued.max.messages.kbytes) are librdkafka's defaults unless given. With a
    /// <paramref name="pauseAfterFirst"/>, the consumer is left that long after its first record to fetch into its queue
    /// and the clock restarts: what is timed is then its Consume() loop over what it already holds (bounded: should it
    /// not have fetched everything, the figure includes fetching and is lower).</summary>
    private static Consumed ConfluentConsume(
        string bootstrap, string topic, int records, int partitions, int partitionFetchBytes,
        int? fetchQueueBackoffMs = null, int? queueKbytes = null, TimeSpan pauseAfterFirst = default)
    {
        using var consumer = new CK.ConsumerBuilder<byte[], byte[]>(new CK.ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "kafka-vs-assign",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
            MaxPartitionFetchBytes = partitionFetchBytes,
            FetchQueueBackoffMs = fetchQueueBackoffMs,
            QueuedMaxMessagesKbytes = queueKbytes,
            QueuedMinMessages = queueKbytes is null ? null : records,
        }).Build();

        // The Runnel client reads on a connection that is open and knows the topic; give librdkafka's handle the same
        // start (connected, the partitions' leaders known) before the clock starts, else its first offset lookup waits
        // for a retry timer (~0.5 s) because the leaders are not known when Assign is called.
        for (var p = 0; p < partitions; p++)
        {
            consumer.QueryWatermarkOffsets(new CK.TopicPartition(topic, p), TimeSpan.FromSeconds(10));
        }

        var watch = Stopwatch.StartNew();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new CK.TopicPartitionOffset(topic, p, CK.Offset.Beginning)));
        var next = new long[partitions];
        var first = TimeSpan.Zero;
        for (var read = 0; read < records;)
        {
            if (watch.Elapsed > Guard)
            {
                throw new TimeoutException($"Confluent read {read} of {records} records in {Guard}.");
            }

            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
            {
                Check(record.Partition.Value, record.Offset.Value, next);
                first = read++ == 0 ? watch.Elapsed : first;
                if (read == 1 && pauseAfterFirst > TimeSpan.Zero)
                {
                    Thread.Sleep(pauseAfterFirst);
                    watch.Restart();
                    first = TimeSpan.Zero;
                }
            }
        }

        return new Consumed(records, watch.Elapsed, first);
    }

    private static async Task<Consumed> RunnelConsumeAsync(RunnelConnection connection, string topic, int records, int partitions)
    {
        await using var consumer = connection.CreateConsumer<byte[], byte[]>();
        var watch = Stopwatch.StartNew();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var next = new long[partitions];
        var read = 0;
        var first = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(Guard);
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            Check(record.Partition, record.Offset, next);
            first = read == 0 ? watch.Elapsed : first;
            if (++read == records)
            {
                break;
            }
        }

        return new Consumed(records, watch.Elapsed, first);
    }

    /// <summary>One timed read: <paramref name="Records"/> in <paramref name="Elapsed"/> (from Assign, the client's start
    /// included), the first of them after <paramref name="FirstRecord"/>.</summary>
    private readonly record struct Consumed(int Records, TimeSpan Elapsed, TimeSpan FirstRecord)
    {
        public double Rate => Records / Elapsed.TotalSeconds;

        /// <summary>The rate after the first record: the client's start (bootstrap, metadata, offset lookup) left out.</summary>
        public double RateAfterFirst => (Records - 1) / (Elapsed - FirstRecord).TotalSeconds;
    }

    private static void Check(int partition, long offset, long[] next)
    {
        if (offset != next[partition])
        {
            throw new InvalidOperationException($"Partition {partition}: offset {offset}, expected {next[partition]} (a gap or a repeat).");
        }

        next[partition]++;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
