using Runnel.Chaos.History;

namespace Runnel.Chaos.Eos;

/// <summary>What the exactly-once check found (every figure must be 0 for the run to pass).</summary>
internal sealed record EosCheck(int Missing, int Duplicates, int Reordered, int AbortedSeen)
{
    public bool Passed => Missing == 0 && Duplicates == 0 && Reordered == 0 && AbortedSeen == 0;
}

/// <summary>
/// The exactly-once invariants over the whole input (every record in the input topic's final log) and the committed
/// output: each input record is copied exactly once (missing, duplicates — an output record naming no input record counts
/// as a duplicate), each key's copies are in the key's input order, and a read_committed reader of the output never handed
/// out a record that is not committed.
/// </summary>
internal static class EosChecker
{
    public static EosCheck Check(IReadOnlyList<PartitionLogRead> input, EosOutput output, IReadOnlyCollection<(int Partition, long Offset)> seenByReadCommitted)
    {
        var expected = input.SelectMany(log => log.Entries.Select(e => (log.Partition, e.Offset, e.Key))).ToList();
        var expectedSet = expected.Select(e => (e.Partition, e.Offset)).ToHashSet();
        var copies = output.Committed.GroupBy(r => (r.SourcePartition, r.SourceOffset)).ToDictionary(g => g.Key, g => g.Count());
        var missing = expected.Count(e => !copies.ContainsKey((e.Partition, e.Offset)));
        var duplicates = copies.Sum(c => expectedSet.Contains(c.Key) ? c.Value - 1 : c.Value);

        // Per key: the input offsets in output order (first copies only; duplicates are counted above) against the input.
        var inputOrder = expected.GroupBy(e => e.Key).ToDictionary(g => g.Key ?? "", g => g.OrderBy(e => e.Offset).Select(e => (e.Partition, e.Offset)).ToList());
        var reordered = 0;
        foreach (var key in output.Committed.GroupBy(r => r.Key ?? ""))
        {
            var seen = new HashSet<(int, long)>();
            var outputOrder = key.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => (r.SourcePartition, r.SourceOffset)).Where(seen.Add).ToList();
            var wanted = inputOrder.TryGetValue(key.Key, out var order) ? order.Where(seen.Contains).ToList() : [];
            if (!outputOrder.Where(expectedSet.Contains).SequenceEqual(wanted))
            {
                reordered++;
            }
        }

        var committed = output.Committed.Select(r => (r.Partition, r.Offset)).ToHashSet();
        var abortedSeen = seenByReadCommitted.Count(s => !committed.Contains(s));
        return new EosCheck(missing, duplicates, reordered, abortedSeen);
    }
}
