using System.Text.Json;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>The CLI's group commands in-process against a silo with the real group grain.</summary>
public sealed class GroupCliTests : IAsyncLifetime
{
    private FakeCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeCluster.StartAsync(realGroups: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) => CliRunner.RunAsync(_cluster.Bootstrap, stdin, args);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task ConsumeGroup_MaxMessagesThenAgain_SecondContinuesWhereFirstStopped()
    {
        await RunAsync("", "topics", "create", "orders", "--partitions", "2");
        (await RunAsync("a\nb\nc\nd\ne\nf\n", "produce", "orders", "--partition", "0")).Code.Should().Be(0);
        (await RunAsync("g\nh\n", "produce", "orders", "--partition", "1")).Code.Should().Be(0);

        var first = await RunAsync("", "consume", "orders", "--group", "billing", "--from-beginning", "--max-messages", "5");
        first.Code.Should().Be(0, first.Err);
        first.Err.Should().Contain("as group billing");
        var second = await RunAsync("", "consume", "orders", "--group", "billing", "--from-beginning", "--timeout", "1.5");
        second.Code.Should().Be(0, second.Err);

        Lines(first.Out).Should().HaveCount(5);
        Lines(first.Out).Concat(Lines(second.Out)).Should().BeEquivalentTo(["a", "b", "c", "d", "e", "f", "g", "h"],
            "the second run starts at what the first committed: everything once");

        var table = await RunAsync("", "groups", "describe", "billing");
        table.Code.Should().Be(0, table.Err);
        table.Out.Should().Contain("Group: billing\tState: Empty").And.Contain("TOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG\tMEMBER")
            .And.Contain("orders\t0\t6\t6\t0\t-\t6\t0").And.Contain("orders\t1\t2\t2\t0\t-\t2\t0").And.Contain("Total lag: 0 to the log end (read_uncommitted), 0 to the last stable offset");
        (await RunAsync("", "groups", "list")).Out.Should().Be("billing\n");
    }

    [Fact]
    public async Task GroupsList_Empty_SaysNoGroupsOrEmptyJson()
    {
        (await RunAsync("", "groups", "list")).Should().Be((0, "", "No groups.\n"));
        (await RunAsync("", "groups", "list", "--json")).Should().Be((0, "[]\n", ""));
    }

    [Fact]
    public async Task Groups_DescribeJsonResetOffsetsDelete_FieldsAndErrors()
    {
        await RunAsync("", "topics", "create", "events", "--partitions", "2");
        await RunAsync("1\n2\n3\n", "produce", "events", "--partition", "0");
        await RunAsync("4\n", "produce", "events", "--partition", "1");

        var reset = await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events", "--to-latest");
        reset.Code.Should().Be(0, reset.Err);
        reset.Out.Should().Be("TOPIC\tPARTITION\tNEW-OFFSET\nevents\t0\t3\nevents\t1\t1\n");
        (await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events", "--shift-by", "-2")).Out.Should().Contain("events\t0\t1\nevents\t1\t0\n");
        (await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events", "--to-offset", "2", "--partition", "0", "--json")).Out
            .Should().Be("[{\"topic\":\"events\",\"partition\":0,\"offset\":2}]\n");

        var json = await RunAsync("", "groups", "describe", "audit", "--json");
        json.Code.Should().Be(0, json.Err);
        Lines(json.Out).Should().ContainSingle("--json prints one object");
        using (var doc = JsonDocument.Parse(json.Out))
        {
            var root = doc.RootElement;
            root.GetProperty("state").GetString().Should().Be("Empty");
            root.GetProperty("members").GetArrayLength().Should().Be(0);
            root.GetProperty("total_lag").GetInt64().Should().Be(2);
            var partitions = root.GetProperty("partitions").EnumerateArray().ToList();
            partitions.Should().HaveCount(2);
            partitions[0].GetProperty("topic").GetString().Should().Be("events");
            partitions[0].GetProperty("partition").GetInt32().Should().Be(0);
            partitions[0].GetProperty("committed").GetInt64().Should().Be(2);
            partitions[0].GetProperty("log_end").GetInt64().Should().Be(3);
            partitions[0].GetProperty("lag").GetInt64().Should().Be(1);
            partitions[1].GetProperty("lag").GetInt64().Should().Be(1);
        }

        var two = await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events", "--to-earliest", "--to-latest");
        two.Code.Should().Be(2);
        two.Err.Should().Contain("exactly one of --to-earliest");
        (await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events")).Code.Should().Be(2);
        var badTime = await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "events", "--to-datetime", "soon");
        badTime.Code.Should().Be(2);
        var noTopic = await RunAsync("", "groups", "reset-offsets", "audit", "--topic", "nope", "--to-earliest");
        noTopic.Code.Should().Be(1);
        noTopic.Err.Should().Contain("UnknownTopic");
        var groupArgs = await RunAsync("", "consume", "events", "--group", "audit", "--partition", "0");
        groupArgs.Code.Should().Be(2);
        groupArgs.Err.Should().Contain("--group takes no --partition");

        (await RunAsync("", "groups", "delete", "audit")).Should().Be((0, "Deleted group audit.\n", ""));
        var gone = await RunAsync("", "groups", "describe", "audit");
        gone.Code.Should().Be(1);
        gone.Err.Should().Contain("UnknownGroup").And.Contain("audit");
    }
}
