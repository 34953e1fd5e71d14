using System.Text.Json;
using Runnel.Cli;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>The runnel CLI run in-process (its real command tree, parser and client) against the fake cluster.</summary>
public sealed class CliTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private readonly FakeCluster _cluster = fixture.ForTest();

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) => CliRunner.RunAsync(_cluster.Bootstrap, stdin, args);

    [Fact]
    public async Task Topics_CreateListDescribeAlterDelete()
    {
        (await RunAsync("", "topics", "create", "orders", "--partitions", "3", "--config", "retention.ms=1000")).Should().Be((0, "Created topic orders with 3 partitions.\n", ""));
        (await RunAsync("", "topics", "list")).Out.Should().Be("orders\n");

        var describe = await RunAsync("", "topics", "describe", "orders");
        describe.Code.Should().Be(0);
        describe.Out.Should().Contain("Topic: orders\tPartitions: 3").And.Contain("retention.ms=1000")
            .And.Contain($"Partition: 2\tOwner: {_cluster.SiloEndpoint}\tLogStart: 0\tHighWatermark: 0");

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
    public async Task TopicsCompact_CompactTopic_ReportsEachPartition()
    {
        await RunAsync("", "topics", "create", "latest", "--partitions", "2", "--config", "cleanup.policy=compact");

        var compacted = await RunAsync("", "topics", "compact", "latest");
        var missing = await RunAsync("", "topics", "compact");

        compacted.Should().Be((0, "Partition 0 of latest: nothing to compact.\nPartition 1 of latest: nothing to compact.\n", ""));
        missing.Code.Should().NotBe(0, "the topic is required");
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
    public async Task Produce_BadLine_StopsThereAndSaysWhatWasAndWasNotProduced()
    {
        await RunAsync("", "topics", "create", "sep");
        var result = await RunAsync("k:v\nnokey\nk3:v3\n", "produce", "sep", "-K", ":");
        var consumed = await RunAsync("", "consume", "sep", "--from-beginning", "--timeout", "0.5", "--format", @"%k=%v\n");

        result.Code.Should().Be(2);
        result.Err.Should().Contain("Produced 1 record to sep")
            .And.Contain("error: line 2 has no key separator ':'; stopped there: line 2 and any after it were not produced");
        consumed.Out.Should().Be("k=v\n", "line 1 went out before the bad line; line 3 was not produced");
    }

    [Fact]
    public async Task Produce_SkipBadLines_ProducesTheRestAndNamesTheSkipped()
    {
        await RunAsync("", "topics", "create", "skip");
        var result = await RunAsync("k:v\nnokey\nk3:v3\nalso bad\n", "produce", "skip", "-K", ":", "--skip-bad-lines", "--json");
        var consumed = await RunAsync("", "consume", "skip", "--from-beginning", "--timeout", "0.5", "--format", @"%k=%v\n");

        result.Code.Should().Be(0, "skipping was asked for: " + result.Err);
        result.Err.Should().Contain("Produced 2 records to skip").And.Contain("Skipped 2 bad lines: 2 (has no key separator ':'), 4 (has no key separator ':').");
        using var summary = JsonDocument.Parse(result.Out);
        summary.RootElement.GetProperty("produced").GetInt64().Should().Be(2);
        summary.RootElement.GetProperty("skipped").GetInt64().Should().Be(2);
        summary.RootElement.GetProperty("skipped_lines").EnumerateArray().Select(e => e.GetInt64()).Should().Equal(2, 4);
        consumed.Out.Should().Be("k=v\nk3=v3\n");
    }

    [Fact]
    public async Task ProduceConsume_NonUtf8Bytes_RoundTripByteExact()
    {
        await RunAsync("", "topics", "create", "bin");
        byte[] input = [.. "caf"u8, 0xE9, (byte)'\n', 0x00, 0xFF, 0xC3, (byte)':', 0x80, (byte)'\r', (byte)'\n'];
        var produced = await CliRunner.RunBytesAsync(_cluster.Bootstrap, input, "produce", "bin");
        var raw = await CliRunner.RunBytesAsync(_cluster.Bootstrap, [], "consume", "bin", "--from-beginning", "--max-messages", "2");
        var hex = await RunAsync("", "consume", "bin", "--from-beginning", "--max-messages", "2", "--output-format", "hex");
        var json = await RunAsync("", "consume", "bin", "--from-beginning", "--max-messages", "1", "--json");

        produced.Code.Should().Be(0, produced.Err);
        raw.Out.Should().Equal(input, "stdin is split at the newlines and nothing else is touched, on the way in or out");
        hex.Out.Should().Be("636166e9\n00ffc33a800d\n");
        using var record = JsonDocument.Parse(json.Out);
        record.RootElement.GetProperty("value").GetString().Should().Be(Convert.ToBase64String([.. "caf"u8, 0xE9]));
        record.RootElement.GetProperty("value_encoding").GetString().Should().Be("base64");
    }

    [Fact]
    public async Task Produce_DelimiterKeySeparatorAndHexInput_SplitOnBytes()
    {
        await RunAsync("", "topics", "create", "delim");
        var produced = await CliRunner.RunBytesAsync(_cluster.Bootstrap, [.. "6b31\t00ff\0"u8, .. "6b32\t0a0d"u8], "produce", "delim", "-D", @"\0", "-K", @"\t", "--input-format", "hex");
        var consumed = await RunAsync("", "consume", "delim", "--from-beginning", "--max-messages", "2", "--format", @"%k=%v;", "--output-format", "base64");

        produced.Code.Should().Be(0, produced.Err);
        produced.Err.Should().Contain("Produced 2 records", "the last record needs no delimiter after it");
        consumed.Out.Should().Be($"{Convert.ToBase64String("k1"u8)}={Convert.ToBase64String([0x00, 0xFF])};{Convert.ToBase64String("k2"u8)}={Convert.ToBase64String([0x0A, 0x0D])};");
    }

    [Fact]
    public async Task Produce_ValueFile_OneRecordHoldingTheWholeFile()
    {
        await RunAsync("", "topics", "create", "files");
        using var dir = new Runnel.Testing.TempDirectory("cli-value-file");
        var path = Path.Combine(dir.Path, "blob.bin");
        byte[] content = [.. "line one\nline two\n"u8, 0x00, 0xFE];
        await File.WriteAllBytesAsync(path, content);

        var produced = await RunAsync("", "produce", "files", "--value-file", path, "--key", "blob");
        var consumed = await CliRunner.RunBytesAsync(_cluster.Bootstrap, [], "consume", "files", "--from-beginning", "--max-messages", "1", "--format", "%k:%v");

        produced.Err.Should().Contain("Produced 1 record to files");
        consumed.Out.Should().Equal([.. "blob:"u8, .. content]);
        (await RunAsync("", "produce", "files", "--value-file", path, "-D", ",")).Code.Should().Be(2);
    }

    [Fact]
    public async Task UsageErrors_FromTheParserOrTheCommand_ExitCode2()
    {
        await RunAsync("", "topics", "create", "usage");
        (await RunAsync("", "topics", "frobnicate")).Code.Should().Be(2);
        (await RunAsync("", "topics", "delete-records", "usage", "--partition", "0")).Code.Should().Be(2, "--offset is required");
        (await RunAsync("", "consume", "usage", "--max-messages", "many")).Code.Should().Be(2);
        (await RunAsync("", "consume", "usage", "--offset", "3")).Code.Should().Be(2);
        (await RunAsync("", "produce", "usage", "-D", "")).Code.Should().Be(2);
        (await RunAsync("", "topics", "describe", "nope")).Code.Should().Be(1, "the cluster said no");
    }

    [Fact]
    public async Task Topics_EmptyListAndOnePartition_SaySoInEnglishAndJson()
    {
        (await RunAsync("", "topics", "list")).Should().Be((0, "", "No topics.\n"));
        (await RunAsync("", "topics", "list", "--json")).Should().Be((0, "[]\n", ""));

        (await RunAsync("", "topics", "create", "one")).Out.Should().Be("Created topic one with 1 partition.\n");
        (await RunAsync("", "topics", "list", "--json")).Out.Should().Be("[\"one\"]\n");
        (await RunAsync("", "topics", "add-partitions", "one", "--partitions", "2")).Out.Should().Be("Topic one now has 2 partitions.\n");
        (await RunAsync("", "topics", "add-partitions", "one", "--total", "3")).Out.Should().Be("Topic one now has 3 partitions.\n", "--total stays as an alias");
        (await RunAsync("", "topics", "alter", "one", "--partitions", "4")).Out.Should().Be("Topic one now has 4 partitions.\n", "as kafka-topics --alter --partitions");
        var shrink = await RunAsync("", "topics", "alter", "one", "--partitions", "2");
        shrink.Code.Should().NotBe(0);
        shrink.Err.Should().Contain("4 partitions");
        (await RunAsync("", "topics", "alter", "one")).Code.Should().Be(2, "alter needs something to change");

        var describe = await RunAsync("", "topics", "describe", "one", "--json");
        describe.Code.Should().Be(0, describe.Err);
        using var doc = JsonDocument.Parse(describe.Out);
        doc.RootElement.GetProperty("name").GetString().Should().Be("one");
        doc.RootElement.GetProperty("partition_count").GetInt32().Should().Be(4);
        doc.RootElement.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("high_watermark").GetInt64()).Should().Equal(0, 0, 0, 0);
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
        var io = new CliIO(new MemoryStream(), new MemoryStream(), new StringWriter(), false, false, _ => null);
        var port = Runnel.Testing.FreePort.Next();
        var code = await RunnelCli.RunAsync(["topics", "list", "--bootstrap", $"127.0.0.1:{port}"], io);
        code.Should().Be(1);
        io.Error.ToString().Should().Contain("ConnectionLost").And.Contain($"127.0.0.1:{port}");
    }
}
