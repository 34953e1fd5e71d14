using Runnel.Chaos.Eos;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Tests;

/// <summary>The exactly-once checker counts each kind of violation, and nothing when the output is a faithful copy.</summary>
public sealed class EosCheckerTests
{
    // Input: partition 0 holds k1@0, k2@1, k1@2; partition 1 holds k3@0.
    private static readonly IReadOnlyList<PartitionLogRead> Input =
    [
        new(0, 0, 3, [new LogEntry(0, null, "k1"), new LogEntry(1, null, "k2"), new LogEntry(2, null, "k1")]),
        new(1, 0, 1, [new LogEntry(0, null, "k3")]),
    ];

    private static EosOutput Output(params EosRecord[] committed) => new(committed, Aborted: 0, Open: 0);

    private static readonly EosRecord[] Faithful =
    [
        new(0, 0, "k1", 0, 0), new(0, 1, "k2", 0, 1), new(0, 2, "k1", 0, 2), new(1, 0, "k3", 1, 0),
    ];

    [Fact]
    public void Check_FaithfulCopy_Passes()
    {
        var check = EosChecker.Check(Input, Output(Faithful), [(0, 0), (1, 0)]);

        check.Should().Be(new EosCheck(0, 0, 0, 0));
        check.Passed.Should().BeTrue();
    }

    [Fact]
    public void Check_MissingDuplicateReorderedAndUncommittedSeen_EachCounted()
    {
        EosRecord[] output =
        [
            new(0, 0, "k1", 0, 2), // k1's second record first: reordered
            new(0, 1, "k1", 0, 0),
            new(0, 2, "k2", 0, 1),
            new(0, 3, "k2", 0, 1), // a second copy
            new(0, 4, "kx", 9, 9), // copies nothing in the input
        ];                          // k3 (1@0) missing

        var check = EosChecker.Check(Input, Output(output), [(0, 1), (0, 7)]); // (0, 7) is not a committed record

        check.Should().Be(new EosCheck(Missing: 1, Duplicates: 2, Reordered: 1, AbortedSeen: 1));
        check.Passed.Should().BeFalse();
    }
}
