using Runnel.Chaos.Checking;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Tests;

public sealed class FailoverAnalyzerTests
{
    private static readonly NemesisEvent Kill = new(NemesisKind.Kill, 1, 10.0, 15.0);

    [Fact]
    public void Windows_FailuresThenSuccess_OneWindowFromTheFirstFailedAttemptToTheFirstSuccessAfterIt()
    {
        var attempts = new List<ProduceAttempt>
        {
            new(0, 9.0, 9.01, true),
            new(0, 10.1, 10.2, false),
            new(0, 10.15, 11.0, false), // in flight beside the first, failed later
            new(0, 11.2, 11.3, false),
            new(0, 12.5, 12.51, true),
            new(0, 13.0, 13.01, true),
        };

        var windows = FailoverAnalyzer.Windows(attempts, [Kill]);

        windows.Should().ContainSingle().Which.Should().Be(new UnavailableWindow(0, 10.1, 12.51, Kill));
    }

    [Fact]
    public void Windows_StalledSuccess_CountsItsOwnDuration()
    {
        var windows = FailoverAnalyzer.Windows([new ProduceAttempt(2, 10.5, 14.5, true)], [Kill]);

        windows.Should().ContainSingle().Which.Seconds.Should().BeApproximately(4.0, 1e-9);
    }

    [Fact]
    public void Windows_NoNemesisBeforeIt_IsUnattributedAndNeverClosedFailureLeavesNone()
    {
        var attempts = new List<ProduceAttempt>
        {
            new(0, 1.0, 1.1, false),
            new(0, 1.5, 1.6, true),
            new(1, 20.0, 20.1, false), // never followed by a success
        };

        var windows = FailoverAnalyzer.Windows(attempts, [Kill]);

        windows.Should().ContainSingle().Which.Cause.Should().BeNull();
    }

    [Fact]
    public void Stats_Percentiles_NearestRank()
    {
        var stats = FailoverStats.Of(Enumerable.Range(1, 100).Select(i => (double)i));

        stats.Should().Be(new FailoverStats(100, 50, 99, 100));
        FailoverStats.Of([]).Should().Be(new FailoverStats(0, 0, 0, 0));
    }
}
