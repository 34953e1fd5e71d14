namespace Runnel.Runtime.Placement;

/// <summary>
/// Who owns which grain under one membership view: rendezvous (highest-random-weight) hashing of the grain id over the
/// view's Active silos. Every silo and client with the same view computes the same owner; a join or a leave moves only
/// the grains whose highest-weight silo changed, about 1/N of them. Immutable and thread-safe.
/// </summary>
internal sealed class PlacementView
{
    private readonly SiloAddress[] _silos;
    private readonly ulong[] _hashes;

    public PlacementView(long version, IEnumerable<SiloAddress> activeSilos)
    {
        Version = version;
        _silos = activeSilos.Distinct().OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        _hashes = _silos.Select(s => StableHash.Of(s.ToString())).ToArray();
    }

    /// <summary>The membership version this view was computed from.</summary>
    public long Version { get; }

    /// <summary>The Active silos, in ordinal order of their ids.</summary>
    public IReadOnlyList<SiloAddress> ActiveSilos => _silos;

    /// <summary>The owner of <paramref name="grain"/>, or null when no silo is Active. Costs one hash per Active silo.</summary>
    public SiloAddress? Owner(GrainId grain)
    {
        if (_silos.Length == 0)
        {
            return null;
        }

        var grainHash = StableHash.Of(grain);
        var best = 0;
        var bestWeight = StableHash.Weight(grainHash, _hashes[0]);
        for (var i = 1; i < _silos.Length; i++)
        {
            // Ties (a 2^-64 event) go to the first in ordinal order: still the same answer everywhere.
            var weight = StableHash.Weight(grainHash, _hashes[i]);
            if (weight > bestWeight)
            {
                best = i;
                bestWeight = weight;
            }
        }

        return _silos[best];
    }

    public bool IsActive(SiloAddress silo) => Array.IndexOf(_silos, silo) >= 0;
}
