using Runnel.Benchmarks;

// The bench command. Each subcommand is one entry here, implemented in its own class with a static
// RunAsync(BenchArgs) method; it prints what a person reads, then (with --json) one JSON object as the last line.
var commands = new Dictionary<string, (string Help, Func<BenchArgs, Task<int>> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["calls"] = ("grain calls per second and latency, client process -> silo process over loopback", CallsBenchmark.RunAsync),
    ["calls-silo"] = ("the silo process of 'calls' (started by it; exits when its stdin closes)", CallsBenchmark.RunSiloAsync),
    ["log"] = ("partition log appends on the file store vs the disk's 1 MiB + fdatasync rate", LogBenchmark.RunAsync),
    ["streams"] = ("events/s through the Runnel Orleans stream provider vs Orleans' memory streams and Runnel's own produce + consume, one in-process silo", StreamsBenchmark.RunAsync),
    ["table"] = ("table restore time of 1M keys (RunnelTable from the log start to caught up) vs a plain consumer reading the same topic, one in-process silo", TableBenchmark.RunAsync),
    ["kafka-groups"] = ("Confluent.Kafka through a runnel-silo child process: records/s with Assign vs Subscribe (a group), join and rebalance times, synchronous commits/s", KafkaGroupsBenchmark.RunAsync),
    ["transactions"] = ("records/s at 1 KiB, one producer: idempotent vs transactional committing every 1,000 and every 100,000 records, one in-process silo", TransactionsBenchmark.RunAsync),
    ["kafka-vs-runnel"] = ("Confluent.Kafka vs Runnel's client through one runnel-silo child process: produce and consume records/s of 1 KiB records and the ratios (issue #20's proof)", KafkaVsRunnelBenchmark.RunAsync),
    ["txn-coord"] = ("transactions per second through the coordinator (add partitions, one transactional batch each, commit with markers) vs the same writes without transactions, one in-process silo", TransactionCoordinatorBenchmark.RunAsync),
    ["compact"] = ("a compaction pass on the file store: MB/s of input cleaned vs the disk's sequential read + write of the same bytes", CompactionBenchmark.RunAsync),
};

if (args.Length > 0 && args[0].Equals("micro", StringComparison.OrdinalIgnoreCase))
{
    return Runnel.Benchmarks.Micro.MicroBenchmarks.Run(args[1..]);
}

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: Runnel.Benchmarks <subcommand> [--json] [--duration <seconds>] [options]");
    foreach (var (name, (help, _)) in commands)
    {
        Console.Error.WriteLine($"  {name,-10} {help}");
    }

    Console.Error.WriteLine($"  {"micro",-10} BenchmarkDotNet micro-benchmarks (batch builder, validation, codecs, murmur2); BenchmarkDotNet arguments follow");

    return 2;
}

return await command.Run(BenchArgs.Parse(args[1..]));
