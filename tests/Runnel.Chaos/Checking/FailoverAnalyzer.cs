using Runnel.Chaos.History;

namespace Runnel.Chaos.Checking;

/// <summary>
/// Turns the producers' produce attempts into per-partition unavailable windows and attributes each to the nemesis
/// event that caused it. A window opens at the start of an attempt that failed, or that succeeded only after
/// <see cref="StallThresholdSeconds"/> (a request hanging on a paused silo is unavailability too), and closes at the end
/// of the first successful attempt that ended after the window's first bad attempt ended (or at the end of the stalled
/// success itself). Pure.
/// </summary>
internal static class FailoverAnalyzer
{
    /// <summary>A produce normally answers in milliseconds (one store write); one that takes a second or more was stuck.</summary>
    public const double StallThresholdSeconds = 1.0;

    /// <summary>An event is blamed for windows that open while it runs or up to this long after it ended (the moves
    /// back onto a restarted silo happen once it has joined, which ends the event).</summary>
    public const double AttributionSlackSeconds = 15.0;

    public static IReadOnlyList<UnavailableWindow> Windows(IEnumerable<ProduceAttempt> attempts, IReadOnlyList<NemesisEvent> events)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(events);
        var windows = new List<UnavailableWindow>();
        foreach (var partition in attempts.GroupBy(a => a.Partition).OrderBy(g => g.Key))
        {
            double? openedAt = null;
            double firstBadEnd = 0;
            foreach (var attempt in partition.OrderBy(a => a.EndSeconds).ThenBy(a => a.StartSeconds))
            {
                var stalled = attempt.Succeeded && attempt.EndSeconds - attempt.StartSeconds >= StallThresholdSeconds;
                if (!attempt.Succeeded || stalled)
                {
                    if (openedAt is null)
                    {
                        openedAt = attempt.StartSeconds;
                        firstBadEnd = attempt.EndSeconds;
                    }
                    else
                    {
                        openedAt = Math.Min(openedAt.Value, attempt.StartSeconds);
                    }
                }

                if (attempt.Succeeded && openedAt is { } start && (stalled || attempt.EndSeconds > firstBadEnd))
                {
                    windows.Add(new UnavailableWindow(partition.Key, start, attempt.EndSeconds, CauseOf(start, events)));
                    openedAt = null;
                }
            }

            // A window still open at the end never closed (the partition stayed unavailable): it is not a failover
            // time; the run's acknowledgement counts and delivery failures show it.
        }

        return windows;
    }

    private static NemesisEvent? CauseOf(double start, IReadOnlyList<NemesisEvent> events) =>
        events.Where(e => e.StartSeconds <= start + 0.001 && start <= e.EndSeconds + AttributionSlackSeconds).MaxBy(e => e.StartSeconds);
}
