using System.Globalization;
using System.Net;
using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Silo.Tests;

/// <summary>The silo's Prometheus endpoint, scraped from a real silo process after it served produce and fetch.</summary>
public sealed class SiloMetricsTests : IDisposable
{
    private readonly TempDirectory _workingDirectory = new("silo-metrics");

    [Fact]
    public async Task Metrics_AfterProduceAndFetch_CountersMovedAndStoreTimed()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        using var silo = SiloProcess.Start(
            _workingDirectory.Path, null, "--data-dir", Path.Combine(_workingDirectory.Path, "data"), "--port", Str(port), "--silo-port", Str(siloPort),
            "--http-port", Str(httpPort), "--kafka-port", "0");
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var before = Samples(await ScrapeAsync(http));

        await using (var client = await GatewayClient.ConnectAsync(port))
        {
            await client.Grains.GetGrain<ITopicGrain>("metered").CreateAsync(2, null);
            var partition = client.Grains.GetGrain<IPartitionGrain>("metered/1");
            foreach (var value in new[] { "a", "bb", "ccc" })
            {
                await partition.ProduceAsync(new ProduceRequest(Batch(value, records: 2)));
            }

            await partition.FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero));
        }

        var text = await ScrapeAsync(http);
        var after = Samples(text);

        Value(before, "runnel_partition_produced_batches_total", "metered/1").Should().Be(0, "nothing was produced yet");
        Value(after, "runnel_partition_produced_batches_total", "metered/1").Should().Be(3, text);
        Value(after, "runnel_partition_produced_records_total", "metered/1").Should().Be(6);
        Value(after, "runnel_partition_produced_bytes_total", "metered/1").Should().BeGreaterThan(3 * 61, "each batch has a 61-byte header");
        Value(after, "runnel_partition_fetch_requests_total", "metered/1").Should().Be(1);
        Value(after, "runnel_partition_fetched_bytes_total", "metered/1").Should().Be(Value(after, "runnel_partition_produced_bytes_total", "metered/1"));
        Value(after, "runnel_partition_append_duration_seconds_count", "topic=\"metered\"").Should().Be(3);
        Value(after, "runnel_partition_active", null).Should().BeGreaterThanOrEqualTo(1);
        Value(after, "runnel_store_duration_seconds_count", "operation=\"AppendBlock\"").Should().BeGreaterThanOrEqualTo(1, "an append is a storage write");
        text.Should().Contain("runnel_store_errors_total{", "store errors are exported (a new partition's first reads miss: BlobNotFoundException)");
        text.Should().Contain("runnel_partition_append_duration_seconds_bucket{otel_scope_name=\"Runnel.Grains\",topic=\"metered\",le=\"0.0005\"}", "bounds are in seconds, from half a millisecond");
        Value(after, "runnel_partition_append_duration_seconds_bucket", "le=\"10\"").Should().Be(3);

        silo.Terminate();
        (await silo.WaitForExitAsync()).Should().Be(0, silo.Stderr);
    }

    [Fact]
    public async Task Metrics_GroupLagRebalancesAndOrleansRuntime_ExportedAndMoving()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        using var silo = SiloProcess.Start(
            _workingDirectory.Path, new Dictionary<string, string> { ["Runnel__LagSampleInterval"] = "00:00:01" },
            "--data-dir", Path.Combine(_workingDirectory.Path, "data"), "--port", Str(port), "--silo-port", Str(siloPort),
            "--http-port", Str(httpPort), "--kafka-port", "0");
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await using var client = await GatewayClient.ConnectAsync(port);
        await client.Grains.GetGrain<ITopicGrain>("lagged").CreateAsync(1, null);
        var partition = client.Grains.GetGrain<IPartitionGrain>("lagged/0");
        foreach (var value in new[] { "a", "bb", "ccc" })
        {
            await partition.ProduceAsync(new ProduceRequest(Batch(value, records: 2)));
        }

        // Committed at 0 with 6 records produced and none consumed: lag 6; committed at the end: lag 0.
        var group = client.Grains.GetGrain<IConsumerGroupGrain>("billing");
        await group.CommitOffsetsAsync(new OffsetCommitRequest("", 0, [new CommittedOffset("lagged", 0, 0, null)]));
        await ScrapeUntilAsync(http, s => Value(s, "runnel_group_lag", "group=\"billing\",topic=\"lagged\"") == 6, "lag 6 after producing without consuming");
        await group.CommitOffsetsAsync(new OffsetCommitRequest("", 0, [new CommittedOffset("lagged", 0, 6, null)]));
        await ScrapeUntilAsync(http, s => Has(s, "runnel_group_lag", "group=\"billing\"") && Value(s, "runnel_group_lag", "group=\"billing\"") == 0, "lag 0 after the commit");

        // A member joins, then a second: each starts a group epoch (a rebalance), counted once the change is durable. (The
        // exporter serves a scrape from its cache for 300 ms: wait for the count to move, then check by how much.)
        await group.HeartbeatAsync(Join("first"));
        var afterFirst = Value(await ScrapeUntilAsync(http, s => Value(s, "runnel_group_rebalances_total", "group=\"billing\"") >= 1, "the first join counted"), "runnel_group_rebalances_total", "group=\"billing\"");
        await group.HeartbeatAsync(Join("second"));
        var afterSecond = await ScrapeUntilAsync(http, s => Value(s, "runnel_group_rebalances_total", "group=\"billing\"") > afterFirst, "the second join counted");
        Value(afterSecond, "runnel_group_rebalances_total", "group=\"billing\"").Should().Be(afterFirst + 1, "the second member's join is one rebalance");
        await ScrapeUntilAsync(http, s => Value(s, "runnel_group_members", "group=\"billing\"") == 2, "two members sampled");
        var text = await ScrapeAsync(http);

        Value(Samples(text), "runnel_partition_takeovers_total", "kind=\"new\"").Should().Be(1, "the new partition's first owner");
        text.Should().Contain("otel_scope_name=\"Microsoft.Orleans\"", "the Orleans runtime's meter is exported");
        Value(Samples(text), "orleans_catalog_activations", null).Should().BeGreaterThan(0, "grains are active");

        silo.Terminate();
        (await silo.WaitForExitAsync()).Should().Be(0, silo.Stderr);
    }

    [Fact]
    public async Task Metrics_PartitionTakenOverAfterStopThenAfterKill_HandoverThenFailover()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        string[] arguments = ["--data-dir", Path.Combine(_workingDirectory.Path, "data"), "--port", Str(port), "--silo-port", Str(siloPort), "--http-port", Str(httpPort), "--kafka-port", "0"];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        using (var first = SiloProcess.Start(_workingDirectory.Path, null, arguments))
        {
            await first.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
            await using (var client = await GatewayClient.ConnectAsync(port))
            {
                await client.Grains.GetGrain<ITopicGrain>("moved").CreateAsync(1, null);
                await client.Grains.GetGrain<IPartitionGrain>("moved/0").ProduceAsync(new ProduceRequest(Batch("a", records: 1)));
            }

            first.Terminate(); // graceful: the partition is sealed and released
            (await first.WaitForExitAsync()).Should().Be(0, first.Stderr);
        }

        using (var second = SiloProcess.Start(_workingDirectory.Path, null, arguments))
        {
            await second.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
            await using (var client = await GatewayClient.ConnectAsync(port))
            {
                await client.Grains.GetGrain<IPartitionGrain>("moved/0").ProduceAsync(new ProduceRequest(Batch("b", records: 1)));
            }

            var samples = Samples(await ScrapeAsync(http));
            Value(samples, "runnel_partition_takeovers_total", "kind=\"handover\"").Should().Be(1, "the stopped owner released the partition");
            Value(samples, "runnel_partition_takeovers_total", "kind=\"failover\"").Should().Be(0);
        } // disposed: killed (-9) with its segment unsealed

        using var third = SiloProcess.Start(_workingDirectory.Path, null, arguments);
        await third.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        await using (var client = await GatewayClient.ConnectAsync(port))
        {
            var fetched = await client.Grains.GetGrain<IPartitionGrain>("moved/0").FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero));
            fetched.HighWatermark.Should().Be(2);
        }

        var after = Samples(await ScrapeAsync(http));
        Value(after, "runnel_partition_takeovers_total", "kind=\"failover\"").Should().Be(1, "the killed owner never released the partition");
        Value(after, "runnel_partition_takeovers_total", "kind=\"handover\"").Should().Be(0);
        third.Terminate();
        (await third.WaitForExitAsync()).Should().Be(0, third.Stderr);
    }

    public void Dispose() => _workingDirectory.Dispose();

    private static GroupHeartbeatRequest Join(string clientId) =>
        new("", 0, null, clientId, ["lagged"], null, GroupAssignor.Uniform, TimeSpan.FromSeconds(45), TimeSpan.FromMinutes(5), TimeSpan.Zero, []);

    private static async Task<List<(string Series, double Value)>> ScrapeUntilAsync(HttpClient http, Func<List<(string Series, double Value)>, bool> done, string what) =>
        await Probe.UntilAsync(async () => Samples(await ScrapeAsync(http)), done, TimeSpan.FromSeconds(30), what);

    private static bool Has(List<(string Series, double Value)> samples, string metric, string label) =>
        samples.Any(s => s.Series.StartsWith(metric + "{", StringComparison.Ordinal) && s.Series.Contains(label, StringComparison.Ordinal));

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Prometheus text samples: (name with labels, value), comments skipped.</summary>
    private static List<(string Series, double Value)> Samples(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' '))
            .Select(parts => (parts[0], double.Parse(parts[1], CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>The sum of <paramref name="metric"/>'s series whose labels contain <paramref name="label"/> (a partition
    /// name, or a <c>key="value"</c> pair); 0 when there is none.</summary>
    private static double Value(List<(string Series, double Value)> samples, string metric, string? label) =>
        samples.Where(s => (s.Series == metric || s.Series.StartsWith(metric + "{", StringComparison.Ordinal))
                && (label is null || s.Series.Contains(label.Contains('=', StringComparison.Ordinal) ? label : $"partition=\"{label}\"", StringComparison.Ordinal)))
            .Sum(s => s.Value);

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Batch(string value, int records)
    {
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < records; i++)
        {
            builder.TryAppend(1_700_000_000_000, null, System.Text.Encoding.UTF8.GetBytes(value)).Should().BeTrue();
        }

        return builder.ToArray();
    }
}
