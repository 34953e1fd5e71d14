using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The runnel CLI's bench commands as child processes against a runnel-silo. A class of its own (with its own
/// silo) so that xunit runs it beside the other CLI process tests: each starts several runnel processes, and an Orleans
/// client's cold start costs each about 2 s of CPU.</summary>
public sealed class CliProcessBenchTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Cli_Process_BenchAgainstRealGrains()
    {
        var topic = RealGrainsTests.NewTopic();
        (await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2")).Code.Should().Be(0);
        var produce = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "bench", "produce", "--topic", topic, "--records", "2000", "--record-size", "100", "--json");
        produce.Code.Should().Be(0, produce.Err);
        produce.Out.Trim().Should().StartWith("{\"bench\":\"produce\",\"ok\":true,\"records\":2000");
        var consume = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "bench", "consume", "--topic", topic, "--records", "2000", "--json");
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Trim().Should().StartWith("{\"bench\":\"consume\",\"ok\":true,\"records\":2000");
    }
}
