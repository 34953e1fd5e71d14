using System.Text.RegularExpressions;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The README's C# quick start, run as written against a real runnel-silo, and kept identical to the README
/// (which prints with <c>Console.WriteLine</c> what this test collects in <c>seen</c>).</summary>
public sealed partial class QuickStartTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task QuickStart_AsWrittenInTheReadme_ProducesAndConsumesOneRecord()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var cancellationToken = timeout.Token;
        var bootstrap = silo.Bootstrap;
        var topic = "quickstart-" + Guid.NewGuid().ToString("N")[..8];
        var seen = new List<string>();

        // <quickstart>
        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [bootstrap] });
        await connection.Admin.CreateTopicAsync(topic, partitions: 3);

        await using var producer = connection.CreateProducer<string, string>();
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "alice", Value = "hello" });

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign([new TopicPartitionOffset(topic, delivered.Partition, Offset.Beginning)]);
        await foreach (var record in consumer.ConsumeAsync(cancellationToken))
        {
            seen.Add($"{record.Message.Key}={record.Message.Value} at {record.Partition}/{record.Offset}");
            break;
        }
        // </quickstart>

        delivered.Offset.Should().Be(0);
        seen.Should().Equal($"alice=hello at {delivered.Partition}/0");
    }

    [Fact]
    public void Readme_QuickStartBlock_IsTheTestedCode()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Runnel.Client.Tests", "EndToEnd", "QuickStartTests.cs"));
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var tested = Snippet().Match(source);
        tested.Success.Should().BeTrue("the quick start region is marked in this file");

        var lines = tested.Groups["code"].Value.Split('\n').Select(l => l.Length >= 8 ? l[8..].TrimEnd() : l.Trim());
        // The README prints what this test collects.
        var expected = string.Join('\n', lines).Trim().Replace("seen.Add(", "Console.WriteLine(", StringComparison.Ordinal);
        readme.Replace("\r\n", "\n", StringComparison.Ordinal).Should().Contain(expected, "README.md shows the quick start exactly as this test runs it");
    }

    [GeneratedRegex(@"// <quickstart>\r?\n(?<code>.*?)\r?\n\s*// </quickstart>", RegexOptions.Singleline)]
    private static partial Regex Snippet();
}
