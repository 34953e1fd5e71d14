namespace Runnel.Testing;

/// <summary>Allocation budgets: how many bytes an operation allocates on the calling thread, in the steady state.</summary>
public static class Allocations
{
    /// <summary>Runs <paramref name="operation"/> to warm it up (JIT and tiering allocate), then three rounds of
    /// <paramref name="iterations"/> runs, and returns the bytes allocated on this thread per run in the round that
    /// allocated least, rounded up. A real per-run allocation shows in every round; a one-off of the runtime's (a tier-up
    /// or on-stack replacement landing in the measured loop, which allocates on the calling thread) only in one. The
    /// operation's results are summed and checked for being used, so the loop is not optimized away.</summary>
    public static long PerOperation(Func<long> operation, int iterations = 1000)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        var sink = 0L;
        for (var i = 0; i < 200; i++)
        {
            sink += operation();
        }

        var least = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < iterations; i++)
            {
                sink += operation();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        GC.KeepAlive(sink);
        return (least + iterations - 1) / iterations;
    }
}
