namespace Runnel.Runtime.Placement;

/// <summary>
/// A 64-bit hash defined here, so that every process, machine and .NET version computes the same value (unlike
/// <see cref="string.GetHashCode()"/>, which is randomized per process): FNV-1a 64 over the string's UTF-16 code
/// units (each as two bytes, little end first), finished with MurmurHash3's fmix64 so that nearby inputs spread over
/// all 64 bits. Placement depends on it: changing it moves grains between silos of mixed versions.
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The hash of <paramref name="text"/>, continuing from <paramref name="seed"/> (an earlier
    /// <see cref="Fnv"/> state) so that several strings hash as one sequence.</summary>
    public static ulong Fnv(string text, ulong seed = FnvOffset)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * FnvPrime;
            hash = (hash ^ (byte)(c >> 8)) * FnvPrime;
        }

        return hash;
    }

    /// <summary>MurmurHash3's 64-bit finalizer: every input bit affects every output bit.</summary>
    public static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }

    /// <summary>A string's finished hash.</summary>
    public static ulong Of(string text) => Mix(Fnv(text));

    /// <summary>A grain id's finished hash: type, a separator that cannot occur in a type name, then key.</summary>
    public static ulong Of(GrainId id) => Mix(Fnv(id.Key, Fnv("\u0000", Fnv(id.Type))));

    /// <summary>The rendezvous weight of a (grain, silo) pair, from their finished hashes.</summary>
    public static ulong Weight(ulong grainHash, ulong siloHash) => Mix(grainHash ^ (siloHash * 0x9E3779B97F4A7C15UL));
}
