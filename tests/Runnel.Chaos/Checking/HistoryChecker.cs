using System.Globalization;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Checking;

/// <summary>
/// Checks a run's whole history against Runnel's promises:
/// <list type="bullet">
/// <item>every acknowledged record is in the final log, exactly at its acknowledged offset (<c>lost</c>, <c>misplaced</c>);</item>
/// <item>each partition's offsets are contiguous from log start to high watermark (<c>gaps</c>);</item>
/// <item>no record is in the log twice (<c>duplicates</c>);</item>
/// <item>per producer and key, acknowledged records are in produce order (<c>reordered</c>);</item>
/// <item>what the consumer received is what the final log holds at that offset (<c>divergent reads</c>);</item>
/// <item>with a group consumer: committed offsets never go backwards, and every offset below the last commit was
/// delivered at least once (<c>commit regressions</c>, <c>undelivered</c>).</item>
/// </list>
/// Pure: no I/O, no clock; the same history always gives the same result.
/// </summary>
internal static class HistoryChecker
{
    /// <summary>How many violations of each kind are described in words (the counts are always complete).</summary>
    private const int ExamplesPerKind = 5;

    public static CheckResult Check(ChaosHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violations = new ViolationLog(ExamplesPerKind);

        // Where each record is in the final logs (all places, for duplicates), and what is at each offset.
        var places = new Dictionary<RecordId, List<(int Partition, long Offset)>>();
        var atOffset = new Dictionary<(int Partition, long Offset), RecordId?>();
        var gaps = 0;
        foreach (var log in history.Logs)
        {
            var expected = log.LogStartOffset;
            foreach (var entry in log.Entries.OrderBy(e => e.Offset))
            {
                if (entry.Offset > expected)
                {
                    gaps++;
                    violations.Note("gap", Str($"partition {log.Partition} has no offsets {expected}..{entry.Offset - 1}"));
                }
                else if (entry.Offset < expected)
                {
                    gaps++;
                    violations.Note("gap", Str($"partition {log.Partition} has offset {entry.Offset} twice or before its log start"));
                }

                expected = Math.Max(expected, entry.Offset + 1);
                atOffset[(log.Partition, entry.Offset)] = entry.Id;
                if (entry.Id is { } id)
                {
                    if (!places.TryGetValue(id, out var list))
                    {
                        places[id] = list = [];
                    }

                    list.Add((log.Partition, entry.Offset));
                }
            }

            if (expected < log.HighWatermark)
            {
                gaps++;
                violations.Note("gap", Str($"partition {log.Partition} ends at {expected} below its high watermark {log.HighWatermark}"));
            }
        }

        var duplicates = 0;
        foreach (var (id, list) in places.Where(p => p.Value.Count > 1).OrderBy(p => p.Key.Producer).ThenBy(p => p.Key.Sequence))
        {
            duplicates += list.Count - 1;
            violations.Note("duplicate", $"{id} at {string.Join(", ", list.Select(p => Str($"{p.Partition}/{p.Offset}")))}");
        }

        var lost = 0;
        var misplaced = 0;
        var ackedIds = new HashSet<RecordId>();
        foreach (var ack in history.Acks)
        {
            ackedIds.Add(ack.Id);
            if (!places.TryGetValue(ack.Id, out var list))
            {
                lost++;
                violations.Note("lost", Str($"{ack.Id} acknowledged at {ack.Partition}/{ack.Offset} is in no partition"));
            }
            else if (!list.Contains((ack.Partition, ack.Offset)))
            {
                misplaced++;
                violations.Note("misplaced", Str($"{ack.Id} acknowledged at {ack.Partition}/{ack.Offset} is at {list[0].Partition}/{list[0].Offset}"));
            }
        }

        var reordered = 0;
        foreach (var group in history.Acks.GroupBy(a => (a.Id.Producer, a.Key)))
        {
            Ack? previous = null;
            foreach (var ack in group.OrderBy(a => a.Id.Sequence))
            {
                if (previous is not null && (ack.Partition != previous.Partition || ack.Offset <= previous.Offset))
                {
                    reordered++;
                    violations.Note("reordered", Str($"{ack.Id} (key {ack.Key}) at {ack.Partition}/{ack.Offset} is not after {previous.Id} at {previous.Partition}/{previous.Offset}"));
                }

                previous = ack;
            }
        }

        var divergent = 0;
        foreach (var delivery in history.Deliveries)
        {
            if (!atOffset.TryGetValue((delivery.Partition, delivery.Offset), out var inLog) || inLog != delivery.Id)
            {
                divergent++;
                violations.Note("divergent read", Str($"the consumer got {delivery.Id?.ToString() ?? "a foreign record"} at {delivery.Partition}/{delivery.Offset}; the final log has {(inLog is null ? "nothing" : inLog.ToString())} there"));
            }
        }

        int? regressions = null;
        int? undelivered = null;
        if (history.Commits is { } commits)
        {
            regressions = 0;
            var committed = new Dictionary<int, long>();
            foreach (var commit in commits.OrderBy(c => c.Order))
            {
                if (committed.TryGetValue(commit.Partition, out var before) && commit.Offset < before)
                {
                    regressions++;
                    violations.Note("commit regression", Str($"partition {commit.Partition} committed {commit.Offset} after {before} (commit #{commit.Order})"));
                }

                committed[commit.Partition] = Math.Max(before, commit.Offset);
            }

            undelivered = 0;
            var delivered = history.Deliveries.Select(d => (d.Partition, d.Offset)).ToHashSet();
            var logStart = history.Logs.ToDictionary(l => l.Partition, l => l.LogStartOffset);
            foreach (var (partition, upTo) in committed.OrderBy(c => c.Key))
            {
                for (var offset = logStart.GetValueOrDefault(partition); offset < upTo; offset++)
                {
                    if (!delivered.Contains((partition, offset)))
                    {
                        undelivered++;
                        violations.Note("undelivered", Str($"partition {partition} committed {upTo} but offset {offset} was never delivered"));
                    }
                }
            }
        }

        var unackedPresent = places.Keys.Count(id => !ackedIds.Contains(id));
        return new CheckResult
        {
            Acked = history.Acks.Count,
            Lost = lost,
            Misplaced = misplaced,
            Duplicates = duplicates,
            Reordered = reordered,
            Gaps = gaps,
            DivergentReads = divergent,
            CommitRegressions = regressions,
            Undelivered = undelivered,
            UnackedPresent = unackedPresent,
            Violations = violations.Described,
        };
    }

    private static string Str(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
