using Runnel.Chaos.Checking;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Tests;

/// <summary>The checker on synthetic histories: it passes a clean one and catches each kind of violation.</summary>
public sealed class HistoryCheckerTests
{
    /// <summary>Producer 0 writes keys a and b to partition 0, producer 1 writes key c to partition 1; all acknowledged
    /// where they are.</summary>
    private static (List<Ack> Acks, List<LogEntry> P0, List<LogEntry> P1) Clean()
    {
        var acks = new List<Ack>
        {
            new(new RecordId(0, 0), "a", 0, 0),
            new(new RecordId(0, 1), "b", 0, 1),
            new(new RecordId(0, 2), "a", 0, 2),
            new(new RecordId(1, 0), "c", 1, 0),
            new(new RecordId(1, 1), "c", 1, 1),
        };
        var p0 = acks.Where(a => a.Partition == 0).Select(a => new LogEntry(a.Offset, a.Id, a.Key)).ToList();
        var p1 = acks.Where(a => a.Partition == 1).Select(a => new LogEntry(a.Offset, a.Id, a.Key)).ToList();
        return (acks, p0, p1);
    }

    private static CheckResult Check(List<Ack> acks, List<LogEntry> p0, List<LogEntry> p1, IReadOnlyList<Delivery>? deliveries = null, IReadOnlyList<Commit>? commits = null) =>
        HistoryChecker.Check(new ChaosHistory(
            acks,
            [new PartitionLogRead(0, 0, p0.Count == 0 ? 0 : p0.Max(e => e.Offset) + 1, p0), new PartitionLogRead(1, 0, p1.Count == 0 ? 0 : p1.Max(e => e.Offset) + 1, p1)],
            deliveries ?? [.. p0.Select(e => new Delivery(0, e.Offset, e.Id)), .. p1.Select(e => new Delivery(1, e.Offset, e.Id))],
            commits));

    [Fact]
    public void Check_CleanHistory_Passes()
    {
        var (acks, p0, p1) = Clean();

        var result = Check(acks, p0, p1);

        result.Passed.Should().BeTrue(string.Join("; ", result.Violations));
        result.Acked.Should().Be(5);
        result.CommitRegressions.Should().BeNull("no group consumer, no commit checks");
    }

    [Fact]
    public void Check_AcknowledgedRecordMissingAndTheRestShiftedDown_CountsLostAndMisplaced()
    {
        var (acks, p0, p1) = Clean();
        p0 = [new LogEntry(0, p0[0].Id, "a"), new LogEntry(1, p0[2].Id, "a")]; // p0-1 vanished, p0-2 moved down

        var result = Check(acks, p0, p1, deliveries: []);

        result.Passed.Should().BeFalse();
        result.Lost.Should().Be(1);
        result.Misplaced.Should().Be(1);
        result.Violations.Should().Contain(v => v.StartsWith("lost: p0-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RecordWrittenTwice_CountsADuplicate()
    {
        var (acks, p0, p1) = Clean();
        p0.Add(new LogEntry(3, new RecordId(0, 2), "a"));

        var result = Check(acks, p0, p1);

        result.Passed.Should().BeFalse();
        result.Duplicates.Should().Be(1);
        result.Lost.Should().Be(0);
    }

    [Fact]
    public void Check_LaterRecordOfAKeyAcknowledgedBeforeAnEarlierOne_CountsAReorder()
    {
        var (acks, p0, p1) = Clean();
        acks[0] = acks[0] with { Offset = 2 };
        acks[2] = acks[2] with { Offset = 0 };
        p0 = [new LogEntry(0, acks[2].Id, "a"), new LogEntry(1, acks[1].Id, "b"), new LogEntry(2, acks[0].Id, "a")];

        var result = Check(acks, p0, p1);

        result.Passed.Should().BeFalse();
        result.Reordered.Should().Be(1);
        result.Lost.Should().Be(0);
        result.Misplaced.Should().Be(0);
    }

    [Fact]
    public void Check_HoleInAPartitionsOffsets_CountsAGap()
    {
        var (acks, p0, p1) = Clean();
        var withHole = new PartitionLogRead(1, 0, 3, [p1[0], new LogEntry(2, p1[1].Id, "c")]);
        acks[4] = acks[4] with { Offset = 2 };

        var result = HistoryChecker.Check(new ChaosHistory(acks, [new PartitionLogRead(0, 0, 3, p0), withHole], [], null));

        result.Passed.Should().BeFalse();
        result.Gaps.Should().Be(1);
        result.Violations.Should().Contain(v => v.Contains("no offsets 1..1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_LogEndingBelowItsHighWatermark_CountsAGap()
    {
        var (acks, p0, p1) = Clean();

        var result = HistoryChecker.Check(new ChaosHistory(acks, [new PartitionLogRead(0, 0, 5, p0), new PartitionLogRead(1, 0, 2, p1)], [], null));

        result.Gaps.Should().Be(1);
        result.Passed.Should().BeFalse();
    }

    [Fact]
    public void Check_ConsumerSawARecordTheFinalLogDoesNotHold_CountsADivergentRead()
    {
        var (acks, p0, p1) = Clean();

        var result = Check(acks, p0, p1, deliveries: [new Delivery(0, 0, new RecordId(0, 0)), new Delivery(0, 1, new RecordId(7, 7)), new Delivery(1, 9, new RecordId(1, 1))]);

        result.DivergentReads.Should().Be(2);
        result.Passed.Should().BeFalse();
    }

    [Fact]
    public void Check_CommittedOffsetMovesBackwards_CountsARegression()
    {
        var (acks, p0, p1) = Clean();

        var result = Check(acks, p0, p1, commits: [new Commit(1, 0, 2), new Commit(2, 1, 1), new Commit(3, 0, 1)]);

        result.CommitRegressions.Should().Be(1);
        result.Undelivered.Should().Be(0);
        result.Passed.Should().BeFalse();
    }

    [Fact]
    public void Check_CommitAboveAnOffsetNoMemberReceived_CountsItUndelivered()
    {
        var (acks, p0, p1) = Clean();
        var deliveries = new List<Delivery> { new(0, 0, p0[0].Id), new(0, 2, p0[2].Id), new(1, 0, p1[0].Id), new(1, 1, p1[1].Id) };

        var result = Check(acks, p0, p1, deliveries, commits: [new Commit(1, 0, 3), new Commit(2, 1, 2)]);

        result.Undelivered.Should().Be(1);
        result.CommitRegressions.Should().Be(0);
        result.Passed.Should().BeFalse();
        result.Violations.Should().Contain(v => v.Contains("offset 1 was never delivered", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UnacknowledgedRecordInTheLog_IsAllowed()
    {
        var (acks, p0, p1) = Clean();
        p1.Add(new LogEntry(2, new RecordId(1, 2), "c"));

        var result = Check(acks, p0, p1);

        result.Passed.Should().BeTrue();
        result.UnackedPresent.Should().Be(1);
    }

    [Theory]
    [InlineData("p3-17", true, 3, 17)]
    [InlineData("p0-0", true, 0, 0)]
    [InlineData("x3-17", false, 0, 0)]
    [InlineData("p3", false, 0, 0)]
    [InlineData("p-1-2", false, 0, 0)]
    public void RecordId_TryParse_ReadsOnlyItsOwnForm(string text, bool parsed, int producer, long sequence)
    {
        RecordId.TryParse(text, out var id).Should().Be(parsed);
        if (parsed)
        {
            id.Should().Be(new RecordId(producer, sequence));
            id.ToString().Should().Be(text);
        }
    }
}
