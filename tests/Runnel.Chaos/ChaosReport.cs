using System.Globalization;
using Runnel.Chaos.Checking;

namespace Runnel.Chaos;

/// <summary>The human report of a run: the workload, the nemesis, each invariant, the failover figures per action.</summary>
internal static class ChaosReport
{
    public static async Task WriteAsync(
        TextWriter output, ChaosSummary summary, CheckResult check, IReadOnlyList<UnavailableWindow> windows,
        IReadOnlyDictionary<RunnelErrorCode, int> failures, bool storeFaults, int consumerRestarts, string runDirectory, Compact.CompactCheck? compact = null)
    {
        var lines = new List<string>
        {
            "",
            Str($"workload: {summary.Produced} records produced over {summary.DurationS:0.0} s, {summary.Acked} acknowledged, {summary.DeliveryFailures} failed delivery{Failures(failures)}"),
            Str($"producers failed for good: {summary.ProducerFatalErrors}{(summary.ProducerFatalErrors == 0 ? "" : " (FAILED: a partition's idempotence state disagreed with its producer)")}"),
            Str($"consumer ({summary.Consumer}): {summary.Delivered} deliveries{Commits(summary)}, {consumerRestarts} restarts, caught up: {Yes(summary.ConsumerCaughtUp)}"),
            Str($"nemesis: {summary.Kills} kills, {summary.Pauses} pauses, {summary.Restarts} graceful restarts, {summary.StoreFaults} store faults{(storeFaults ? "" : " (the file store has no fault hook in runnel-silo: none injected)")}"),
            Str($"         {summary.MemberCrashes} group members crashed, {summary.MemberRestarts} restarted gracefully"),
            Str($"         {summary.FencedZombies} paused silos gone before SIGCONT, {summary.SurvivingZombies} zombies still running 15 s after SIGCONT (the others read they were declared dead and ended themselves), {summary.UnexpectedExits} silos that exited on their own"),
            "",
            "invariants:",
        };
        if (compact is not null)
        {
            lines.Add(Str($"compacted topic: {summary.CompactKeys} keys written, {summary.CompactRecordsLeft} records left; the harness's cleaner ran {summary.CompactionPasses} passes that removed {summary.CompactionRecordsRemoved} records ({summary.CompactionFailures} rounds failed), beside the silos' own"));
            lines.Add(Line("every key's latest acknowledged write (or a later one) survives", compact.Stale, "keys with an older record"));
            lines.Add(Line("  ...with its value", compact.WrongValue, "keys with another value"));
            lines.Add(Line("no key whose latest write was a value missing", compact.Missing, "missing"));
            lines.Add(Line("every batch CRC valid", compact.CrcFailures, "bad batches"));
            lines.Add(Line("offsets strictly increasing per partition", compact.OffsetRegressions, "regressions"));
            lines.Add("  (lost, gaps, duplicates, order, commits: not checked: compaction removes records by design)");
            lines.AddRange(compact.Violations.Select(v => "  ! " + v));
        }
        else
        {
            lines.AddRange(
            [
                Line("every acknowledged record present", check.Lost, "lost"),
                Line("  ...at its acknowledged offset", check.Misplaced, "misplaced"),
                Line("offsets contiguous per partition", check.Gaps, "gaps"),
                Line("no record twice", check.Duplicates, "duplicates"),
                Line("per-key produce order", check.Reordered, "reordered"),
                Line("consumer saw what the log holds", check.DivergentReads, "divergent reads"),
                check.CommitRegressions is { } regressions ? Line("commits never backwards", regressions, "regressions") : "  commits never backwards: not checked (the consumer is not a group member)",
                check.Undelivered is { } undelivered ? Line("everything below commits delivered", undelivered, "undelivered") : "  everything below commits delivered: not checked",
                Str($"  final read complete: {Yes(summary.FinalReadComplete)}; {check.UnackedPresent} unacknowledged records present (allowed)"),
            ]);
        }

        if (summary.Workload == "eos")
        {
            lines.Add(Str($"exactly-once job (chaos -> chaos-out, transactions; killed -9 {summary.EosJobKills} times): {summary.EosCommitted} committed output records, {summary.EosAbortedRecords} aborted (hidden), {summary.EosOpenRecords} left open, caught up: {Yes(summary.EosCaughtUp == true)}"));
            lines.Add(Line("every input record copied", summary.EosMissing ?? 0, "missing"));
            lines.Add(Line("  ...exactly once", summary.EosDuplicates ?? 0, "duplicates"));
            lines.Add(Line("  ...in order per key", summary.EosReordered ?? 0, "keys reordered"));
            lines.Add(Line("read_committed reader saw no aborted record", summary.AbortedSeen ?? 0, "aborted records seen"));
        }

        lines.AddRange(check.Violations.Select(v => "  ! " + v));
        lines.Add("");
        lines.Add(Str($"failover (partition unavailable to producers, first failed attempt to first success after it): {summary.FailoverWindows} windows, p50 {summary.FailoverP50S:0.000} s, p99 {summary.FailoverP99S:0.000} s, max {summary.FailoverMaxS:0.000} s; {summary.UnattributedWindows} windows with no nemesis action to blame"));
        foreach (var kind in windows.Where(w => w.Cause is not null).GroupBy(w => w.Cause!.Kind).OrderBy(g => g.Key))
        {
            var stats = FailoverStats.Of(kind.Select(w => w.Seconds));
            lines.Add(Str($"  {kind.Key,-10} {stats.Count,4} windows, p50 {stats.P50Seconds:0.000} s, p99 {stats.P99Seconds:0.000} s, max {stats.MaxSeconds:0.000} s"));
        }

        foreach (var worst in windows.OrderByDescending(w => w.Seconds).Take(3))
        {
            lines.Add(Str($"  worst: partition {worst.Partition} {worst.StartSeconds:0.0}..{worst.EndSeconds:0.0} s ({worst.Seconds:0.000} s) after {(worst.Cause is { } c ? Str($"{c.Kind} of silo {c.Silo} at {c.StartSeconds:0.0} s") : "no nemesis action")}"));
        }

        lines.Add("");
        lines.Add(summary.Passed
            ? Str($"PASSED (seed {summary.Seed})")
            : Str($"FAILED: an invariant does not hold. Replay with --seed {summary.Seed} --store {summary.Store} --silos {summary.Silos}; silo logs in {runDirectory}"));
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    private static string Line(string invariant, int violations, string what) =>
        violations == 0 ? Str($"  {invariant}: ok") : Str($"  {invariant}: FAILED ({violations} {what})");

    private static string Commits(ChaosSummary summary) =>
        summary.Commits is { } commits ? Str($", {commits} commits acknowledged ({summary.CommitFailures} failed or refused)") : "";

    private static string Yes(bool value) => value ? "yes" : "NO";

    private static string Failures(IReadOnlyDictionary<RunnelErrorCode, int> failures) =>
        failures.Count == 0 ? "" : " (" + string.Join(", ", failures.Select(f => Str($"{f.Key}: {f.Value}"))) + ")";

    private static string Str(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
