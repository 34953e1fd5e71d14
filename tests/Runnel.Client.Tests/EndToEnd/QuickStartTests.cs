using System.Text.RegularExpressions;
using QuickStart;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The README's C# quick start (<see cref="QuickStartProgram"/>), run as written against a real runnel-silo,
/// and kept identical to the README (which prints with <c>Console.WriteLine</c> what the program collects in
/// <c>seen</c>), its <c>using</c> lines included.</summary>
public sealed partial class QuickStartTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task QuickStart_AsWrittenInTheReadme_ProducesAndConsumesOneRecord()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var topic = "quickstart-" + Guid.NewGuid().ToString("N")[..8];
        var seen = new List<string>();

        var delivered = await QuickStartProgram.RunAsync(silo.Bootstrap, topic, seen, timeout.Token);

        delivered.Offset.Should().Be(0);
        seen.Should().Equal($"alice=hello at {delivered.Partition}/0");
    }

    [Fact]
    public async Task QuickStart_RunTwice_SecondRunFindsTheTopicAndPrintsItsOwnRecord()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var topic = "quickstart-" + Guid.NewGuid().ToString("N")[..8];
        var first = new List<string>();
        var second = new List<string>();

        await QuickStartProgram.RunAsync(silo.Bootstrap, topic, first, timeout.Token);
        var delivered = await QuickStartProgram.RunAsync(silo.Bootstrap, topic, second, timeout.Token);

        delivered.Offset.Should().Be(1);
        second.Should().ContainSingle().Which.Should().Be($"alice=hello at {delivered.Partition}/1", "the topic already existing is no error, and the run prints what it produced");
    }

    [Fact]
    public void Readme_QuickStartBlock_IsTheTestedCode()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Runnel.Client.Tests", "EndToEnd", "QuickStartProgram.cs")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var tested = Snippet().Match(source);
        var usings = Usings().Match(source);
        tested.Success.Should().BeTrue("the quick start region is marked in QuickStartProgram.cs");
        usings.Success.Should().BeTrue("the using lines are marked in QuickStartProgram.cs");

        var lines = tested.Groups["code"].Value.Split('\n').Select(l => l.Length >= 8 ? l[8..].TrimEnd() : l.Trim());
        // The README prints what the program collects.
        var expected = string.Join('\n', lines).Trim().Replace("seen.Add(", "Console.WriteLine(", StringComparison.Ordinal);
        readme.Should().Contain("```csharp\n" + usings.Groups["code"].Value.Trim() + "\n", "the README's quick start opens with the using lines it needs");
        readme.Should().Contain(expected, "README.md shows the quick start exactly as this test runs it");
    }

    [GeneratedRegex(@"// <quickstart>\n(?<code>.*?)\n\s*// </quickstart>", RegexOptions.Singleline)]
    private static partial Regex Snippet();

    [GeneratedRegex(@"// <usings>\n(?<code>.*?)\n// </usings>", RegexOptions.Singleline)]
    private static partial Regex Usings();
}
