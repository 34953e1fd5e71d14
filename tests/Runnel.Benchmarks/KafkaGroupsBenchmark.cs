using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Runnel.Testing;
using CK = Confluent.Kafka;

namespace Runnel.Benchmarks;

/// <summary>
/// <c>kafka-groups</c>: what consumer groups cost a Kafka client. One <c>runnel-silo</c> child process on a file store in
/// a temporary directory, its Kafka listener on loopback; Confluent.Kafka produces <c>--records</c> (default 100,000)
/// records of <c>--size</c> (100) bytes over <c>--partitions</c> (4), then reads them all once to warm up, once with <c>Assign</c> and
/// once with <c>Subscribe</c> in a fresh group (join round included), times a two-member join and a rebalance after one
/// leaves, and <c>--commits</c> (500) synchronous commits. <c>--silo path/runnel-silo.dll</c> runs another build;
/// <c>--assign-only true</c> stops after the Assign read (for a silo without consumer groups). Every read is checked to have seen every record exactly once.
/// </summary>
internal static class KafkaGroupsBenchmark
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var records = args.Int("records", 100_000);
        var size = args.Int("size", 100);
        var partitions = args.Int("partitions", 4);
        var commits = args.Int("commits", 500);

        // --silo: another build's runnel-silo.dll (e.g. the commit before groups, for a before/after of produce and
        // Assign); --assign-only: stop after the Assign read (a silo without consumer groups).
        var siloAssembly = args.String("silo", ChildProcess.BuiltAssembly("Silo", "runnel-silo"));
        var assignOnly = args.String("assign-only", "false") == "true";
        using var data = new TempDirectory("runnel-kafka-bench");
        var kafkaPort = FreePort.Next();
        var bootstrap = $"127.0.0.1:{kafkaPort}";
        using var silo = ChildProcess.Start(
            siloAssembly,
            ["--data-dir", data.Path, "--port", Str(FreePort.Next()), "--silo-port", Str(FreePort.Next()), "--http-port", Str(FreePort.Next()), "--kafka-port", Str(kafkaPort), "--cluster", "kafka-bench"],
            workingDirectory: data.Path);
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));

        const string Topic = "bench";
        using (var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new CK.Admin.TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        var produceWatch = Stopwatch.StartNew();
        using (var producer = new CK.ProducerBuilder<byte[], byte[]>(new CK.ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true, LingerMs = 5, Acks = CK.Acks.All }).Build())
        {
            var value = new byte[size];
            for (var i = 0; i < records; i++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(new CK.TopicPartition(Topic, i % partitions), new CK.Message<byte[], byte[]> { Value = value }, r =>
                        {
                            if (r.Error.IsError)
                            {
                                throw new InvalidOperationException($"Produce failed: {r.Error}");
                            }
                        });
                        break;
                    }
                    catch (CK.ProduceException<byte[], byte[]> ex) when (ex.Error.Code == CK.ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50)); // the client's buffer is full: let deliveries drain it
                    }
                }
            }

            if (producer.Flush(Guard) != 0)
            {
                throw new InvalidOperationException("Records still unacknowledged after the flush.");
            }
        }

        var producePerSecond = records / produceWatch.Elapsed.TotalSeconds;

        CK.ConsumerConfig Config(string group) => new()
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = CK.AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
            HeartbeatIntervalMs = 300,
            SessionTimeoutMs = 10_000,
        };

        // A warm-up pass, so both timed reads find the segments equally warm.
        using (var warm = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-warm")).Build())
        {
            warm.Assign(Enumerable.Range(0, partitions).Select(p => new CK.TopicPartitionOffset(Topic, p, CK.Offset.Beginning)));
            ReadAll(warm, records, partitions);
        }

        // Assign: no group protocol at all.
        double assignPerSecond;
        using (var consumer = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-assign")).Build())
        {
            var watch = Stopwatch.StartNew();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new CK.TopicPartitionOffset(Topic, p, CK.Offset.Beginning)));
            ReadAll(consumer, records, partitions);
            assignPerSecond = records / watch.Elapsed.TotalSeconds;
        }

        if (assignOnly)
        {
            Console.WriteLine($"kafka-groups (assign only): {records:N0} records of {size} B over {partitions} partitions, {siloAssembly}");
            Console.WriteLine($"  produce (idempotent, acks=all, linger 5 ms)      {producePerSecond,12:N0} records/s");
            Console.WriteLine($"  consume with Assign                              {assignPerSecond,12:N0} records/s");
            return 0;
        }

        // Subscribe: FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, then the same reads.
        double subscribePerSecond;
        TimeSpan firstAssignment;
        using (var consumer = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-subscribe")).Build())
        {
            var watch = Stopwatch.StartNew();
            consumer.Subscribe(Topic);
            firstAssignment = ReadAll(consumer, records, partitions, watch);
            subscribePerSecond = records / watch.Elapsed.TotalSeconds;
        }

        // Two members: the time until both hold half the partitions, then until the survivor holds all after a leave.
        TimeSpan twoStable;
        TimeSpan rebalance;
        using (var a = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-two")).Build())
        using (var b = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-two")).Build())
        {
            var watch = Stopwatch.StartNew();
            a.Subscribe(Topic);
            b.Subscribe(Topic);
            PollUntil([a, b], () => a.Assignment.Count > 0 && b.Assignment.Count > 0 && a.Assignment.Count + b.Assignment.Count == partitions);
            twoStable = watch.Elapsed;
            watch.Restart();
            b.Close();
            PollUntil([a], () => a.Assignment.Count == partitions);
            rebalance = watch.Elapsed;
            a.Close();
        }

        // Synchronous commits (each one durable in the group's log before it is acknowledged).
        var latencies = new List<double>(commits);
        using (var consumer = new CK.ConsumerBuilder<byte[], byte[]>(Config("bench-commits")).Build())
        {
            consumer.Assign([new CK.TopicPartitionOffset(Topic, 0, CK.Offset.Beginning)]);
            for (var i = 1; i <= commits; i++)
            {
                var started = Stopwatch.GetTimestamp();
                consumer.Commit([new CK.TopicPartitionOffset(Topic, 0, i)]);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var committed = consumer.Committed([new CK.TopicPartition(Topic, 0)], Guard).Single().Offset.Value;
            if (committed != commits)
            {
                throw new InvalidOperationException($"Committed offset {committed}, expected {commits}.");
            }
        }

        latencies.Sort();
        var commitsPerSecond = commits / (latencies.Sum() / 1000);
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];

        Console.WriteLine($"kafka-groups: {records:N0} records of {size} B over {partitions} partitions, one silo on a file store");
        Console.WriteLine($"  produce (idempotent, acks=all, linger 5 ms)      {producePerSecond,12:N0} records/s");
        Console.WriteLine($"  consume with Assign                              {assignPerSecond,12:N0} records/s");
        Console.WriteLine($"  consume with Subscribe (join included)           {subscribePerSecond,12:N0} records/s   first assignment after {firstAssignment.TotalMilliseconds:N0} ms");
        Console.WriteLine($"  two members stable                               {twoStable.TotalMilliseconds,12:N0} ms");
        Console.WriteLine($"  rebalance after one leaves                       {rebalance.TotalMilliseconds,12:N0} ms");
        Console.WriteLine($"  synchronous commits                              {commitsPerSecond,12:N0} commits/s   p50 {P(0.5):N2} ms, p99 {P(0.99):N2} ms");
        if (args.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                records, size, partitions, producePerSecond, assignPerSecond, subscribePerSecond,
                firstAssignmentMs = firstAssignment.TotalMilliseconds, twoStableMs = twoStable.TotalMilliseconds, rebalanceMs = rebalance.TotalMilliseconds,
                commitsPerSecond, commitP50Ms = P(0.5), commitP99Ms = P(0.99),
            }));
        }

        return 0;
    }

    /// <summary>Reads until every record was seen exactly once; returns when the first record arrived.</summary>
    private static TimeSpan ReadAll(CK.IConsumer<byte[], byte[]> consumer, int records, int partitions, Stopwatch? watch = null)
    {
        var next = new long[partitions];
        var read = 0;
        var first = TimeSpan.Zero;
        var deadline = Stopwatch.StartNew();
        while (read < records)
        {
            if (deadline.Elapsed > Guard)
            {
                throw new TimeoutException($"Read {read} of {records} records in {Guard}.");
            }

            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null)
            {
                continue;
            }

            if (read == 0 && watch is not null)
            {
                first = watch.Elapsed;
            }

            var p = record.Partition.Value;
            if (record.Offset.Value != next[p])
            {
                throw new InvalidOperationException($"Partition {p}: offset {record.Offset.Value}, expected {next[p]} (a gap or a repeat).");
            }

            next[p]++;
            read++;
        }

        return first;
    }

    private static void PollUntil(CK.IConsumer<byte[], byte[]>[] consumers, Func<bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > Guard)
            {
                throw new TimeoutException("The group did not settle.");
            }

            foreach (var consumer in consumers)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
