namespace Runnel.Testing;

/// <summary>Allocation budgets: how many bytes an operation allocates on the calling thread, in the steady state.</summary>
public static class Allocations
{
    /// <summary>Runs <paramref name="operation"/> a few times to warm it up (JIT and tiering allocate), then
    /// <paramref name="iterations"/> times, and returns the bytes allocated on this thread per run, rounded up. The
    /// operation's results are summed and checked for being used, so the loop is not optimized away.</summary>
    public static long PerOperation(Func<long> operation, int iterations = 1000)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        var sink = 0L;
        for (var i = 0; i < 50; i++)
        {
            sink += operation();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < iterations; i++)
        {
            sink += operation();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(sink);
        return (allocated + iterations - 1) / iterations;
    }
}
