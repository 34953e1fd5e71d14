namespace Runnel.Cli;

/// <summary>
/// A log-linear latency histogram: values in microseconds fall into 64 power-of-two ranges, each split into 16 linear
/// sub-buckets, so any percentile is within 1/16 (6.25%) of the true value, in a fixed 8 KiB. Not thread-safe.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 16;
    private readonly long[] _counts = new long[64 * SubBuckets];

    public long Count { get; private set; }

    public long MaxMicros { get; private set; }

    public void Record(long micros)
    {
        micros = Math.Max(0, micros);
        _counts[Index(micros)]++;
        Count++;
        MaxMicros = Math.Max(MaxMicros, micros);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in milliseconds; the upper edge of its bucket,
    /// capped at the largest value recorded. 0 when empty.</summary>
    public double PercentileMillis(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), MaxMicros) / 1000.0;
            }
        }

        return MaxMicros / 1000.0;
    }

    internal static int Index(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(micros); // >= 4
        var sub = (int)((micros >> (exponent - 4)) & (SubBuckets - 1));
        return ((exponent - 3) * SubBuckets) + sub;
    }

    internal static long UpperEdge(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var exponent = (index / SubBuckets) + 3;
        var sub = index % SubBuckets;
        var width = 1L << (exponent - 4);
        return ((SubBuckets + sub) * width) + width - 1;
    }
}
