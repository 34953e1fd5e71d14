using System.Diagnostics;

namespace Runnel.Testing.Cluster;

/// <summary>Polls a condition with a bounded timeout (cluster state changes arrive from other silos' timers; there is
/// no event to wait on from outside). Fails with the last observation when the bound passes.</summary>
public static class Probe
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        T last = default!;
        Exception? lastError = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                last = await observe();
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                lastError = ex;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0.#} s. Last seen: {Describe(last)}", lastError);
    }

    /// <summary>A collection by its items (the first 100), anything else by its own text.</summary>
    private static string Describe<T>(T value) => value switch
    {
        string text => text,
        System.Collections.IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Take(100))}]",
        _ => $"{value}",
    };
}
