namespace Runnel.Chaos.Tests;

/// <summary>
/// The harness end to end, as CI runs it: 3 real runnel-silo processes on a file store, 60 s of producing under the
/// seeded nemesis (silos killed, paused, restarted; group members crashed and restarted) with a two-member consumer
/// group committing, then the checker. Its JSON line must show nothing lost,
/// duplicated or reordered, and group commits that never went backwards and covered only delivered records.
/// </summary>
public sealed class ChaosRunTests
{
    [Fact]
    public async Task Run_SixtySecondsFileStoreSeedOne_ExitsZeroWithNothingLostDuplicatedOrReorderedAndGroupCommitsChecked()
    {
        using var output = new StringWriter();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(4)); // a hang fails the test instead of the suite

        var exitCode = await ChaosRunner.RunAsync(["--duration", "60", "--silos", "3", "--store", "file", "--seed", "1", "--json"], output, guard.Token);

        var text = output.ToString();
        var summary = ChaosSummary.FromJson(text.TrimEnd().Split('\n')[^1]);
        exitCode.Should().Be(ChaosRunner.ExitPassed, text);
        summary.Acked.Should().BeGreaterThan(1000, text);
        summary.Lost.Should().Be(0);
        summary.Misplaced.Should().Be(0);
        summary.Duplicates.Should().Be(0);
        summary.Reordered.Should().Be(0);
        summary.Gaps.Should().Be(0);
        summary.Consumer.Should().Be("group", "the group consumer is the default");
        summary.Commits.Should().BeGreaterThan(0, text);
        summary.CommitRegressions.Should().Be(0);
        summary.Undelivered.Should().Be(0);
        summary.ConsumerCaughtUp.Should().BeTrue("the group commits up to every high watermark once the cluster healed");
        summary.Kills.Should().BeGreaterThan(0, "seed 1 kills a silo within the first minute");
        summary.MemberCrashes.Should().BeGreaterThan(0, "seed 1's member nemesis crashes a group member within the first minute");
        summary.Delivered.Should().BeGreaterThanOrEqualTo(summary.Acked, "a crashed member's uncommitted records are delivered again to its successor");
        summary.Seed.Should().Be(1);
    }

    [Fact]
    public async Task Run_ExactlyOnceWorkload_JobKilledMinus9_OutputHoldsEveryInputRecordOnceInOrderAndNoAbortedRecordWasRead()
    {
        using var output = new StringWriter();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var exitCode = await ChaosRunner.RunAsync(["--duration", "45", "--silos", "3", "--store", "file", "--seed", "41", "--workload", "eos", "--json"], output, guard.Token);

        var text = output.ToString();
        var summary = ChaosSummary.FromJson(text.TrimEnd().Split('\n')[^1]);
        exitCode.Should().Be(ChaosRunner.ExitPassed, text);
        summary.Workload.Should().Be("eos");
        summary.EosJobKills.Should().BeGreaterThan(0, "the job is killed -9 every 8-20 s while the nemesis runs");
        summary.EosCaughtUp.Should().BeTrue(text);
        summary.EosCommitted.Should().Be(summary.Acked + summary.UnackedPresent, "every record of the input, acknowledged or not, is copied once");
        summary.EosMissing.Should().Be(0);
        summary.EosDuplicates.Should().Be(0);
        summary.EosReordered.Should().Be(0);
        summary.AbortedSeen.Should().Be(0);
        summary.EosOpenRecords.Should().Be(0, "no transaction is left hanging");
        summary.Lost.Should().Be(0);
    }

    [Fact]
    public async Task Run_CompactWorkload_CleanerUnderTheNemesis_EveryKeysLatestAcknowledgedWriteSurvivesAndNoValueIsMissing()
    {
        using var output = new StringWriter();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var exitCode = await ChaosRunner.RunAsync(["--duration", "45", "--silos", "3", "--store", "file", "--seed", "41", "--workload", "compact", "--json"], output, guard.Token);

        var text = output.ToString();
        var summary = ChaosSummary.FromJson(text.TrimEnd().Split('\n')[^1]);
        exitCode.Should().Be(ChaosRunner.ExitPassed, text);
        summary.Workload.Should().Be("compact");
        (summary.Kills + summary.Pauses + summary.Restarts).Should().BeGreaterThan(0, "the nemesis acts 2-10 s apart (which action, and how many before its quiet end, depends on the machine's load)");
        summary.CompactionPasses.Should().BeGreaterThan(0, "the harness's cleaner compacts every 3 s and the 4 KiB segments roll every second or two");
        summary.CompactionRecordsRemoved.Should().BeGreaterThan(0, text);
        summary.CompactRecordsLeft.Should().BeLessThan(summary.Acked, "compaction removed overwritten records");
        summary.CompactKeys.Should().Be(64, "every key of the default 64 was written");
        summary.CompactStale.Should().Be(0);
        summary.CompactWrongValue.Should().Be(0);
        summary.CompactMissing.Should().Be(0);
        summary.CompactCrcFailures.Should().Be(0);
        summary.CompactOffsetRegressions.Should().Be(0);
    }
}
