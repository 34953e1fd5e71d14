using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The runnel CLI as a child process against a runnel-silo: a group consumed by two processes in turn, then
/// described. A class of its own (with its own silo) so that xunit runs it beside the other CLI process tests: each
/// starts several runnel processes, and an Orleans client's cold start costs each about 2 s of CPU.</summary>
public sealed class CliProcessGroupTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Cli_Process_ConsumeGroupTwiceThenDescribeJson()
    {
        var topic = RealGrainsTests.NewTopic();
        (await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2")).Code.Should().Be(0);
        (await ChildProcess.RunCliAsync(silo.Bootstrap, "a\nb\nc\nd\n", "produce", topic)).Code.Should().Be(0);
        var group = "cli-" + Guid.NewGuid().ToString("N")[..8];

        var first = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--group", group, "--from-beginning", "--max-messages", "3");
        first.Code.Should().Be(0, first.Err);
        var second = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--group", group, "--from-beginning", "--timeout", "2");
        second.Code.Should().Be(0, second.Err);
        first.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(second.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Should().BeEquivalentTo(["a", "b", "c", "d"], "the second member starts where the first one's commit left off");

        var describe = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "groups", "describe", group, "--json");
        describe.Code.Should().Be(0, describe.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(describe.Out);
        doc.RootElement.GetProperty("state").GetString().Should().Be("Empty");
        doc.RootElement.GetProperty("total_lag").GetInt64().Should().Be(0);
        doc.RootElement.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("committed").GetInt64()).Should().Be(4);
    }
}
