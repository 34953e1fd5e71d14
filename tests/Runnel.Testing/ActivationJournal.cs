using System.Collections.Concurrent;

namespace Runnel.Testing;

/// <summary>
/// Records every activation and deactivation of <see cref="PlacementTestGrain"/>, shared by all the silos of one
/// in-process cluster (one instance registered in each silo's services). Thread-safe.
/// </summary>
public sealed class ActivationJournal
{
    private readonly ConcurrentDictionary<string, int> _live = new();
    private readonly ConcurrentQueue<string> _events = new();
    private int _maxConcurrent;

    /// <summary>How many activations of a key exist now, across all silos.</summary>
    public int LiveActivations(string key) => _live.GetValueOrDefault(key);

    /// <summary>The most activations of any key that ever existed at the same time.</summary>
    public int MaxConcurrentActivations => Volatile.Read(ref _maxConcurrent);

    /// <summary>Every event, "activate key silo" or "deactivate key silo reason", in order.</summary>
    public IReadOnlyList<string> Events => [.. _events];

    public void Activated(string key, string silo)
    {
        var now = _live.AddOrUpdate(key, 1, static (_, n) => n + 1);
        int seen;
        do
        {
            seen = Volatile.Read(ref _maxConcurrent);
        }
        while (now > seen && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen);
        _events.Enqueue($"activate {key} {silo}");
    }

    public void Deactivated(string key, string silo, string reason)
    {
        _live.AddOrUpdate(key, 0, static (_, n) => n - 1);
        _events.Enqueue($"deactivate {key} {silo} {reason}");
    }
}
