namespace Runnel.Chaos.Checking;

/// <summary>Percentiles of partition unavailability (seconds) over <see cref="Count"/> windows; all 0 when there were none.</summary>
internal sealed record FailoverStats(int Count, double P50Seconds, double P99Seconds, double MaxSeconds)
{
    public static FailoverStats Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return sorted.Length == 0
            ? new FailoverStats(0, 0, 0, 0)
            : new FailoverStats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile of an ascending array.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
