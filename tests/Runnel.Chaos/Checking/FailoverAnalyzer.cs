using Runnel.Chaos.History;

namespace Runnel.Chaos.Checking;

/// <summary>
/// Turns the producers' produce attempts into per-partition unavailable windows and attributes each to the nemesis
/// event that caused it. Each bad attempt (one that failed, or succeeded only after <see cref="StallThresholdSeconds"/>:
/// a request hanging on a paused silo is unavailability too) spans from its start to the end of the first successful
/// attempt that ended after it did (a stalled success spans itself); overlapping spans of a partition merge into one
/// window. A bad attempt with no success after it leaves no window (the partition never came back: the run's
/// acknowledgement counts show that). Pure.
/// </summary>
internal static class FailoverAnalyzer
{
    /// <summary>A produce normally answers in milliseconds (one store write); one that takes a second or more was stuck.</summary>
    public const double StallThresholdSeconds = 1.0;

    /// <summary>An event is blamed for windows that open while it runs or up to this long after it ended (the moves
    /// back onto a restarted silo happen once it has joined, which ends the event).</summary>
    public const double AttributionSlackSeconds = 15.0;

    /// <summary>A window may open this much before the event that caused it: the failing request was sent just before
    /// the silo died.</summary>
    public const double InFlightSlackSeconds = 1.0;

    public static IReadOnlyList<UnavailableWindow> Windows(IEnumerable<ProduceAttempt> attempts, IReadOnlyList<NemesisEvent> events)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(events);
        var windows = new List<UnavailableWindow>();
        foreach (var partition in attempts.GroupBy(a => a.Partition).OrderBy(g => g.Key))
        {
            var successEnds = partition.Where(a => a.Succeeded).Select(a => a.EndSeconds).Order().ToArray();
            var spans = new List<(double Start, double End)>();
            foreach (var attempt in partition)
            {
                var stalled = attempt.Succeeded && attempt.EndSeconds - attempt.StartSeconds >= StallThresholdSeconds;
                if (stalled)
                {
                    spans.Add((attempt.StartSeconds, attempt.EndSeconds));
                }
                else if (!attempt.Succeeded && FirstAfter(successEnds, attempt.EndSeconds) is { } recovered)
                {
                    spans.Add((attempt.StartSeconds, recovered));
                }
            }

            (double Start, double End)? open = null;
            foreach (var span in spans.OrderBy(s => s.Start))
            {
                if (open is { } current && span.Start <= current.End)
                {
                    open = (current.Start, Math.Max(current.End, span.End));
                    continue;
                }

                if (open is { } done)
                {
                    windows.Add(new UnavailableWindow(partition.Key, done.Start, done.End, CauseOf(done.Start, events)));
                }

                open = span;
            }

            if (open is { } last)
            {
                windows.Add(new UnavailableWindow(partition.Key, last.Start, last.End, CauseOf(last.Start, events)));
            }
        }

        return windows;
    }

    /// <summary>The first value in ascending <paramref name="sorted"/> strictly greater than <paramref name="after"/>.</summary>
    private static double? FirstAfter(double[] sorted, double after)
    {
        var index = Array.BinarySearch(sorted, after);
        index = index < 0 ? ~index : index + 1;
        while (index < sorted.Length && sorted[index] <= after)
        {
            index++;
        }

        return index < sorted.Length ? sorted[index] : null;
    }

    private static NemesisEvent? CauseOf(double start, IReadOnlyList<NemesisEvent> events) =>
        events.Where(e => e.StartSeconds - InFlightSlackSeconds <= start && start <= e.EndSeconds + AttributionSlackSeconds).MaxBy(e => e.StartSeconds);
}
