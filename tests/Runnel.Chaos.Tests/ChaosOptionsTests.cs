namespace Runnel.Chaos.Tests;

/// <summary>The harness's command line: which consumer runs.</summary>
public sealed class ChaosOptionsTests
{
    [Fact]
    public void Parse_NoConsumerOption_DefaultsToGroup()
    {
        var options = ChaosOptions.Parse(["--seed", "1"], out var error);

        error.Should().BeEmpty();
        options!.Consumer.Should().Be("group");
    }

    [Fact]
    public void Parse_ConsumerManual_SelectsManualAssignment()
    {
        var options = ChaosOptions.Parse(["--consumer", "manual"], out var error);

        error.Should().BeEmpty();
        options!.Consumer.Should().Be("manual");
    }

    [Fact]
    public void Parse_ConsumerUnknown_FailsNamingTheOption()
    {
        var options = ChaosOptions.Parse(["--consumer", "pool"], out var error);

        options.Should().BeNull();
        error.Should().Contain("--consumer").And.Contain("pool");
    }
}
