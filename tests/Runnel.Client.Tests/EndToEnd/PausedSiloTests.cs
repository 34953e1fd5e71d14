using System.Diagnostics;
using System.Globalization;
using Runnel.Testing;
using Xunit.Abstractions;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// A hung silo (SIGSTOP: its sockets stay open, nothing answers) among three runnel-silo processes on one data
/// directory. Its partitions must be writable again within seconds — the cluster declares it dead, a sibling on the
/// same host kills it, the client's calls through its gateway end and are retried — and once it runs again it must
/// write nothing anyone sees: the log's manifest epoch and segment seal fence it.
/// </summary>
public sealed class PausedSiloTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The produce to a paused silo's partition must succeed within this: far below the 30 s a paused silo
    /// cost before (the call waited for SIGCONT or the response timeout), with room for a 2-core machine running other
    /// test projects at load 20+ (5 s failed there once). The failover time itself (issue 16: p99 ≤ 3 s) is measured
    /// by the chaos runs in docs/benchmarks.md, not asserted here.</summary>
    private static readonly TimeSpan WritableAgainWithin = TimeSpan.FromSeconds(12);

    private readonly TempDirectory _data = new("runnel-paused-silo");
    private readonly List<ChildProcess> _silos = [];

    [Fact]
    public async Task Produce_PartitionOwnerSigstopped_SucceedsElsewhereWithinSecondsAndTheResumedZombieIsFenced()
    {
        var gateways = new List<string>();
        var siloPorts = new List<int>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            var (gateway, siloPort) = await StartSiloAsync(name);
            gateways.Add(gateway);
            siloPorts.Add(siloPort);
        }

        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with
        {
            Bootstrap = gateways,
            ClientName = "paused-silo",
            ClusterId = "pause",
        });
        const string Topic = "paused";
        await connection.Admin.CreateTopicAsync(Topic, 4);
        var victim = new TopicPartition(Topic, 0);

        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(1) });
        var before = await producer.ProduceAsync(victim, new Message<string, string> { Key = "k", Value = "before" });
        before.Offset.Should().Be(0);

        // Whichever silo serves the partition now is the one to hang.
        var served = await connection.GetPartitionOwnerAsync(victim);
        var victimIndex = siloPorts.FindIndex(port => served == $"127.0.0.1:{port}");
        victimIndex.Should().BeGreaterThanOrEqualTo(0, "partition 0 is active on one of the silos ({0})", served);
        var zombie = _silos[victimIndex];
        zombie.Pause();
        var clock = Stopwatch.StartNew();
        var during = await producer.ProduceAsync(victim, new Message<string, string> { Key = "k", Value = "during" }).WaitAsync(ChildProcess.Guard);
        var failover = clock.Elapsed;
        output.WriteLine($"produce to the paused silo's partition answered after {failover.TotalSeconds:0.000} s");
        failover.Should().BeLessThan(WritableAgainWithin, "the paused silo's partition is taken over once the cluster declares it dead");
        during.Offset.Should().Be(1);
        var owner = await connection.GetPartitionOwnerAsync(victim);
        owner.Should().NotBe($"127.0.0.1:{siloPorts[victimIndex]}", "the partition moved off the paused silo");

        // The zombie runs again: a sibling on this host has killed it already, or it reads that it was declared dead
        // and ends itself. Whatever it still had queued never reaches the log.
        zombie.Resume();
        await zombie.WaitForExitAsync();
        var after = await producer.ProduceAsync(victim, new Message<string, string> { Key = "k", Value = "after" });
        after.Offset.Should().Be(2, "the zombie appended nothing, and took nothing back");

        var offsets = await connection.Admin.GetTopicOffsetsAsync(Topic);
        offsets[victim.Partition].HighWatermark.Should().Be(3);
        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign([new TopicPartitionOffset(Topic, victim.Partition, Offset.Beginning)]);
        using var guard = new CancellationTokenSource(ChildProcess.Guard);
        var values = new List<string>();
        await foreach (var record in consumer.ConsumeAsync(guard.Token))
        {
            values.Add(record.Message.Value!);
            if (values.Count == 3)
            {
                break;
            }
        }

        values.Should().Equal(["before", "during", "after"], "each acknowledged record once, in order, nothing from the zombie");
    }

    private async Task<(string Gateway, int SiloPort)> StartSiloAsync(string name)
    {
        var port = FreePort.Next();
        var siloPort = FreePort.Next();
        var silo = ChildProcess.Start(ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--name", name, "--port", Str(port), "--silo-port", Str(siloPort),
                "--http-port", Str(FreePort.Next()), "--kafka-port", "0", "--cluster", "pause"],
            workingDirectory: _data.Path);
        _silos.Add(silo);
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        return ($"127.0.0.1:{port}", siloPort);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose(); // SIGCONT, then SIGKILL: nothing is left stopped
        }

        _data.Dispose();
    }
}
