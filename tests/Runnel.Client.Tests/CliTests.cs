using System.Text.Json;
using Runnel.Cli;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>The runnel CLI run in-process (its real command tree, parser and client) against the fake cluster.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private FakeCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) => CliRunner.RunAsync(_cluster.Bootstrap, stdin, args);

    [Fact]
    public async Task Topics_CreateListDescribeAlterDelete()
    {
        (await RunAsync("", "topics", "create", "orders", "--partitions", "3", "--config", "retention.ms=1000")).Should().Be((0, "Created topic orders with 3 partitions.\n", ""));
        (await RunAsync("", "topics", "list")).Out.Should().Be("orders\n");

        var describe = await RunAsync("", "topics", "describe", "orders");
        describe.Code.Should().Be(0);
        describe.Out.Should().Contain("Topic: orders\tPartitions: 3").And.Contain("retention.ms=1000")
            .And.Contain($"Partition: 2\tOwner: {_cluster.Bootstrap}\tLogStart: 0\tHighWatermark: 0");

        (await RunAsync("", "topics", "alter", "orders", "--config", "cleanup.policy=compact")).Out.Should().Contain("cleanup.policy=compact");
        (await RunAsync("", "topics", "delete", "orders")).Code.Should().Be(0);
        (await RunAsync("", "topics", "list")).Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Topics_Errors_NameTheProblemWithExitCodes()
    {
        var missing = await RunAsync("", "topics", "describe", "nope");
        missing.Code.Should().Be(1);
        missing.Err.Should().Contain("UnknownTopic").And.Contain("nope");

        var badConfig = await RunAsync("", "topics", "create", "x", "--config", "novalue");
        badConfig.Code.Should().Be(2);
        badConfig.Err.Should().Contain("--config 'novalue' is not key=value");

        var unknownKey = await RunAsync("", "topics", "create", "y", "--config", "bogus.key=1");
        unknownKey.Code.Should().Be(1);
        unknownKey.Err.Should().Contain("InvalidConfig");

        (await RunAsync("", "topics", "frobnicate")).Code.Should().NotBe(0);
    }

    [Fact]
    public async Task DeleteRecords_BelowAnOffset_ConsumeFromBeginningStartsThere()
    {
        await RunAsync("", "topics", "create", "trim", "--partitions", "1");
        await RunAsync("a\nb\nc\n", "produce", "trim");

        var deleted = await RunAsync("", "topics", "delete-records", "trim", "--partition", "0", "--offset", "2");
        var consumed = await RunAsync("", "consume", "trim", "--from-beginning", "--max-messages", "1");
        var missing = await RunAsync("", "topics", "delete-records", "trim", "--partition", "0");

        deleted.Should().Be((0, "Partition 0 of trim now starts at offset 2.\n", ""));
        consumed.Out.Should().Be("c\n", "the records below offset 2 are gone");
        missing.Code.Should().NotBe(0, "--offset is required");
    }

    [Fact]
    public async Task ProduceThenConsume_KeysHeadersFormat_RoundTrip()
    {
        await RunAsync("", "topics", "create", "lines", "--partitions", "1");
        var produced = await RunAsync("a:1\nb:2\nc:3\n", "produce", "lines", "--key-separator", ":", "--header", "src=cli");
        produced.Code.Should().Be(0);
        produced.Err.Should().StartWith("Produced 3 records to lines");

        var consumed = await RunAsync("", "consume", "lines", "--from-beginning", "--max-messages", "3", "--format", @"%k=%v\t%p/%o\t%h\n");
        consumed.Code.Should().Be(0);
        consumed.Out.Should().Be("a=1\t0/0\tsrc=cli\nb=2\t0/1\tsrc=cli\nc=3\t0/2\tsrc=cli\n", "the template is printed as is: its \\n ends each line");
        consumed.Err.Should().Contain("Consumed 3 records");
    }

    [Fact]
    public async Task Consume_PartitionOffsetAndJson()
    {
        await RunAsync("", "topics", "create", "j", "--partitions", "2");
        await RunAsync("x\ny\nz\n", "produce", "j", "--partition", "1");

        var consumed = await RunAsync("", "consume", "j", "--partition", "1", "--offset", "1", "--max-messages", "2", "--json");
        consumed.Code.Should().Be(0);
        var lines = consumed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2);
        using var doc = JsonDocument.Parse(lines[0]);
        doc.RootElement.GetProperty("partition").GetInt32().Should().Be(1);
        doc.RootElement.GetProperty("offset").GetInt64().Should().Be(1);
        doc.RootElement.GetProperty("value").GetString().Should().Be("y");
        doc.RootElement.GetProperty("key").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Consume_Timeout_ExitsWhenIdle()
    {
        await RunAsync("", "topics", "create", "idle");
        var consumed = await RunAsync("", "consume", "idle", "--timeout", "0.2");
        consumed.Code.Should().Be(0);
        consumed.Out.Should().BeEmpty();
        consumed.Err.Should().Contain("Consumed 0 records");
    }

    [Fact]
    public async Task Consume_BadArguments_ExitCode2()
    {
        await RunAsync("", "topics", "create", "args");
        (await RunAsync("", "consume", "args", "--offset", "3")).Should().Match<(int Code, string Out, string Err)>(r => r.Code == 2 && r.Err.Contains("--offset needs --partition"));
        (await RunAsync("", "consume", "args", "--format", "%q")).Err.Should().Contain("unknown field '%q'");
        (await RunAsync("", "consume", "args", "--from-timestamp", "yesterday")).Err.Should().Contain("neither ISO-8601");
    }

    [Fact]
    public async Task Produce_MissingSeparator_FailsNamingTheLine()
    {
        await RunAsync("", "topics", "create", "sep");
        var result = await RunAsync("k:v\nnokey\n", "produce", "sep", "-K", ":");
        result.Code.Should().Be(2);
        result.Err.Should().Contain("line 2 has no key separator ':'");
    }

    [Fact]
    public async Task Bench_ProduceAndConsume_LastLineIsJsonSummary()
    {
        await RunAsync("", "topics", "create", "bench", "--partitions", "2");
        var produce = await RunAsync("", "bench", "produce", "--topic", "bench", "--records", "500", "--record-size", "64");
        produce.Code.Should().Be(0, produce.Err);
        var summary = JsonDocument.Parse(produce.Out.TrimEnd().Split('\n')[^1]).RootElement;
        summary.GetProperty("records").GetInt64().Should().Be(500);
        summary.GetProperty("ok").GetBoolean().Should().BeTrue();
        summary.GetProperty("records_per_sec").GetDouble().Should().BePositive();
        summary.GetProperty("p99_ms").GetDouble().Should().BeGreaterThanOrEqualTo(summary.GetProperty("p50_ms").GetDouble());

        var consume = await RunAsync("", "bench", "consume", "--topic", "bench", "--records", "500", "--json");
        consume.Code.Should().Be(0, consume.Err);
        var lines = consume.Out.TrimEnd().Split('\n');
        lines.Should().ContainSingle("--json prints only the summary");
        JsonDocument.Parse(lines[0]).RootElement.GetProperty("mb_per_sec").GetDouble().Should().BePositive();
    }

    [Fact]
    public async Task Bench_TooFewRecords_FailsItsOwnCheck()
    {
        await RunAsync("", "topics", "create", "short");
        await RunAsync("a\nb\n", "produce", "short");
        var consume = await RunAsync("", "bench", "consume", "--topic", "short", "--records", "5", "--max-seconds", "0.5");
        consume.Code.Should().Be(1);
        consume.Err.Should().Contain("2 of 5 records");
    }

    [Fact]
    public async Task Bootstrap_Unreachable_FailsWithConnectionLost()
    {
        var io = new CliIO(new StringReader(""), new StringWriter(), new StringWriter(), false, false, _ => null);
        var port = Runnel.Testing.FreePort.Next();
        var code = await RunnelCli.RunAsync(["topics", "list", "--bootstrap", $"127.0.0.1:{port}"], io);
        code.Should().Be(1);
        io.Error.ToString().Should().Contain("ConnectionLost").And.Contain($"127.0.0.1:{port}");
    }
}
