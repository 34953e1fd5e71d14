using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The runnel CLI as a child process against a runnel-silo: a topic's lifecycle, produce and consume. A class
/// of its own (with its own silo) so that xunit runs it beside the other CLI process tests: each starts several runnel
/// processes, and an Orleans client's cold start costs each about 2 s of CPU.</summary>
public sealed class CliProcessTopicsTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Cli_Process_TopicsProduceConsumeDescribeDelete()
    {
        var topic = RealGrainsTests.NewTopic();
        var create = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2");
        create.Code.Should().Be(0, create.Err);

        var produce = await ChildProcess.RunCliAsync(silo.Bootstrap, "alpha\tone\nbeta\ttwo\ngamma\tthree\n", "produce", topic, "--key-separator", "\t", "--header", "via=process");
        produce.Code.Should().Be(0, produce.Err);
        produce.Err.Should().Contain("Produced 3 records");

        var consume = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--from-beginning", "--max-messages", "3", "--format", @"%k=%v %h\n");
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()
            .Should().Equal("alpha=one via=process", "beta=two via=process", "gamma=three via=process");

        var describe = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "describe", topic);
        describe.Code.Should().Be(0, describe.Err);
        describe.Out.Should().Contain($"Topic: {topic}\tPartitions: 2");

        var delete = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "delete", topic);
        delete.Code.Should().Be(0, delete.Err);
        var describeGone = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "describe", topic);
        describeGone.Code.Should().Be(1);
        describeGone.Err.Should().Contain("UnknownTopic");
    }
}
