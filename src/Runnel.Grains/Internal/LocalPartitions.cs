using System.Collections.Concurrent;

namespace Runnel.Grains.Internal;

/// <summary>The partitions this silo serves now (activations that opened their log), for the rebalancer. A silo service;
/// public only because the partition grain takes it in its constructor.</summary>
public sealed class LocalPartitions
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    public void Add(string key) => _keys.TryAdd(key, 0);

    public void Remove(string key) => _keys.TryRemove(key, out _);

    public IReadOnlyList<string> Snapshot() => [.. _keys.Keys];
}
