using System.Globalization;
using Runnel.Chaos.Checking;
using Runnel.Chaos.History;

namespace Runnel.Chaos.Compact;

/// <summary>
/// Checks a compacted topic read whole after the run against the acknowledged writes: for every key (in the partition
/// its writes were acknowledged in), the latest surviving record's offset is at least the offset of every acknowledged
/// write of that key, and when it is the latest acknowledged write's offset it is that write (its id, or a tombstone
/// where a tombstone was written); a later record is an unacknowledged write that landed (allowed: an unknown outcome
/// may land). A key whose latest acknowledged write was a value must still have a record; one whose latest write was a
/// tombstone may have none (the cleaner drops tombstones after <c>delete.retention.ms</c>). Every batch's CRC is valid
/// and offsets are strictly increasing per partition (<see cref="CompactLog"/> counts those). Offsets may have gaps:
/// that is what compaction does. Pure: the same input gives the same result.
/// </summary>
internal static class CompactChecker
{
    private const int ExamplesPerKind = 5;

    public static CompactCheck Check(IReadOnlyList<Ack> acks, CompactLog log)
    {
        ArgumentNullException.ThrowIfNull(acks);
        ArgumentNullException.ThrowIfNull(log);
        var violations = new ViolationLog(ExamplesPerKind);
        violations.Described.AddRange(log.Problems.Take(ExamplesPerKind * 2));

        var surviving = new Dictionary<(int Partition, string Key), CompactRecord>();
        foreach (var record in log.Records.Where(r => r.Key is not null))
        {
            var at = (record.Partition, record.Key!);
            if (!surviving.TryGetValue(at, out var kept) || record.Offset > kept.Offset)
            {
                surviving[at] = record;
            }
        }

        var (missing, stale, wrong) = (0, 0, 0);
        var latest = acks.GroupBy(a => (a.Partition, a.Key)).Select(g => g.MaxBy(a => a.Offset)!).OrderBy(a => a.Partition).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
        foreach (var ack in latest)
        {
            if (!surviving.TryGetValue((ack.Partition, ack.Key), out var kept))
            {
                if (!ack.Tombstone)
                {
                    missing++;
                    violations.Note("missing", Str($"key {ack.Key} of partition {ack.Partition} has no record; its latest acknowledged write was {ack.Id} at offset {ack.Offset}"));
                }
            }
            else if (kept.Offset < ack.Offset)
            {
                stale++;
                violations.Note("stale", Str($"key {ack.Key} of partition {ack.Partition}: the latest record is at offset {kept.Offset} ({Describe(kept)}), below its latest acknowledged write {Describe(ack)} at {ack.Offset}"));
            }
            else if (kept.Offset == ack.Offset && (kept.Tombstone != ack.Tombstone || (!ack.Tombstone && kept.Id != ack.Id)))
            {
                wrong++;
                violations.Note("wrong value", Str($"key {ack.Key} of partition {ack.Partition} at offset {ack.Offset} holds {Describe(kept)}; the acknowledged write there was {Describe(ack)}"));
            }
        }

        return new CompactCheck
        {
            Keys = latest.Count,
            Missing = missing,
            Stale = stale,
            WrongValue = wrong,
            CrcFailures = log.CrcFailures,
            OffsetRegressions = log.OffsetRegressions,
            Violations = violations.Described,
        };
    }

    private static string Describe(CompactRecord record) => record.Tombstone ? "a tombstone" : record.Id?.ToString() ?? "a value this run did not write";

    private static string Describe(Ack ack) => ack.Tombstone ? "a tombstone" : ack.Id.ToString();

    private static string Str(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
