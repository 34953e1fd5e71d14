using System.Diagnostics;

namespace Runnel.Chaos.Workload;

/// <summary>Seconds since the run started, on a monotonic clock; every recorded time uses it. Thread-safe.</summary>
internal sealed class RunClock
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public double Now => Stopwatch.GetElapsedTime(_start).TotalSeconds;
}
