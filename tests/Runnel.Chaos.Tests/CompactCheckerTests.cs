using Runnel.Chaos.Compact;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Tests;

/// <summary>The compact checker counts each kind of violation, and nothing when every key's latest acknowledged write (or
/// a later unacknowledged one) is what survives.</summary>
public sealed class CompactCheckerTests
{
    // Acknowledged: k1 twice (latest p0-2 at offset 2), k2 once then a tombstone at offset 3, k3 once on partition 1.
    private static readonly IReadOnlyList<Ack> Acks =
    [
        new(new RecordId(0, 0), "k1", 0, 0),
        new(new RecordId(0, 1), "k2", 0, 1),
        new(new RecordId(0, 2), "k1", 0, 2),
        new(new RecordId(0, 3), "k2", 0, 3, Tombstone: true),
        new(new RecordId(1, 0), "k3", 1, 0),
    ];

    private static CompactLog Log(params CompactRecord[] records) => new(records, records.Length, 0, 0, []);

    private static CompactRecord Value(int partition, long offset, string key, RecordId id) => new(partition, offset, key, id, false);

    [Fact]
    public void Check_LatestWritesKeptAndTombstoneExpired_Passes()
    {
        var check = CompactChecker.Check(Acks, Log(Value(0, 2, "k1", new RecordId(0, 2)), Value(1, 0, "k3", new RecordId(1, 0))));

        check.Passed.Should().BeTrue(string.Join("; ", check.Violations));
        check.Keys.Should().Be(3);
    }

    [Fact]
    public void Check_ALaterUnacknowledgedWriteSurvives_Passes()
    {
        var check = CompactChecker.Check(Acks, Log(
            Value(0, 2, "k1", new RecordId(0, 2)),
            new CompactRecord(0, 3, "k2", null, true),
            Value(0, 7, "k2", new RecordId(2, 9)), // written, its outcome unknown to the producer
            Value(1, 0, "k3", new RecordId(1, 0))));

        check.Passed.Should().BeTrue(string.Join("; ", check.Violations));
    }

    [Fact]
    public void Check_CompactionKeptAnOlderValue_Stale()
    {
        var check = CompactChecker.Check(Acks, Log(Value(0, 0, "k1", new RecordId(0, 0)), Value(1, 0, "k3", new RecordId(1, 0))));

        check.Stale.Should().Be(1);
        check.Passed.Should().BeFalse();
        check.Violations.Should().ContainSingle(v => v.Contains("k1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ResurrectedValueBelowATombstone_Stale()
    {
        var check = CompactChecker.Check(Acks, Log(Value(0, 1, "k2", new RecordId(0, 1)), Value(0, 2, "k1", new RecordId(0, 2)), Value(1, 0, "k3", new RecordId(1, 0))));

        check.Stale.Should().Be(1, "k2's tombstone at 3 is gone but its older value came back");
    }

    [Fact]
    public void Check_LatestValueDropped_Missing()
    {
        var check = CompactChecker.Check(Acks, Log(Value(0, 2, "k1", new RecordId(0, 2))));

        check.Missing.Should().Be(1, "k3's only write was a value");
        check.Passed.Should().BeFalse();
    }

    [Fact]
    public void Check_AnotherValueAtTheAcknowledgedOffset_WrongValue()
    {
        var check = CompactChecker.Check(Acks, Log(Value(0, 2, "k1", new RecordId(3, 3)), new CompactRecord(0, 3, "k2", new RecordId(0, 3), false), Value(1, 0, "k3", new RecordId(1, 0))));

        check.WrongValue.Should().Be(2, "k1 holds another id, and k2 a value where a tombstone was acknowledged");
    }

    [Fact]
    public void Check_BadCrcOrOffsetRegression_Fails()
    {
        var log = new CompactLog([Value(0, 2, "k1", new RecordId(0, 2)), Value(1, 0, "k3", new RecordId(1, 0))], 2, CrcFailures: 1, OffsetRegressions: 1, ["partition 0: the batch at offset 2 fails its CRC"]);

        var check = CompactChecker.Check(Acks, log);

        check.CrcFailures.Should().Be(1);
        check.OffsetRegressions.Should().Be(1);
        check.Passed.Should().BeFalse();
        check.Violations.Should().Contain("partition 0: the batch at offset 2 fails its CRC");
    }
}
