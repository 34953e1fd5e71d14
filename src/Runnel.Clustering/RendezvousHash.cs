using System.Buffers.Binary;
using System.IO.Hashing;

namespace Runnel.Clustering;

/// <summary>
/// Rendezvous (highest-random-weight) hashing of grains onto silos: every silo gets a score for a grain from a stable
/// 64-bit hash of (grain id, silo endpoint), and the grain belongs to the silo with the highest score. A silo joining
/// takes ~1/N of the grains (those it now scores highest on) and nothing else moves; a silo leaving gives up only its
/// own, each to its runner-up.
/// </summary>
/// <remarks>
/// <para>(Orleans' <c>GrainId</c> is spelled out in full here: Runnel.Abstractions, which Runnel.Storage still
/// references, has a <c>Runnel.GrainId</c> that would otherwise win the name lookup.)</para>
/// <para>The hash is XxHash64 (System.IO.Hashing): the same in every process, architecture and .NET version, unlike
/// <see cref="string.GetHashCode()"/>. Changing it moves every grain, so it is part of the cluster's format.</para>
/// <para>A silo is identified by its IP address and port, not its generation: a silo restarted in place (same
/// endpoint) gets back the same grains.</para>
/// <para>Pure functions: thread-safe, no allocation besides a stack buffer.</para>
/// </remarks>
public static class RendezvousHash
{
    /// <summary>A silo endpoint is at most 16 address bytes (IPv6) + 4 port bytes.</summary>
    private const int MaxSiloBytes = 20;

    /// <summary>The grain's part of every score: XxHash64 of its type and key.</summary>
    public static ulong GrainHash(global::Orleans.Runtime.GrainId grainId)
    {
        var typeHash = XxHash64.HashToUInt64(grainId.Type.Value.AsSpan());
        return XxHash64.HashToUInt64(grainId.Key.AsSpan(), unchecked((long)typeHash));
    }

    /// <summary>The score of <paramref name="silo"/> for the grain whose <see cref="GrainHash"/> is
    /// <paramref name="grainHash"/>: XxHash64 of the silo's address and port, seeded with the grain's hash.</summary>
    public static ulong Score(ulong grainHash, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        Span<byte> bytes = stackalloc byte[MaxSiloBytes];
        var endpoint = silo.Endpoint;
        // An IPv4 silo seen through a dual-stack socket is the same silo: hash it as IPv4.
        var address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"Silo address {silo} has an address longer than 16 bytes.", nameof(silo));
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes[written..], endpoint.Port);
        return XxHash64.HashToUInt64(bytes[..(written + sizeof(int))], unchecked((long)grainHash));
    }

    /// <summary>The silo among <paramref name="silos"/> that owns <paramref name="grainId"/>: the highest score, ties
    /// (astronomically rare) broken by the lower silo address so every caller agrees.</summary>
    /// <exception cref="ArgumentException"><paramref name="silos"/> is empty.</exception>
    public static SiloAddress PickOwner(global::Orleans.Runtime.GrainId grainId, ReadOnlySpan<SiloAddress> silos)
    {
        if (silos.IsEmpty)
        {
            throw new ArgumentException("There is no silo to place the grain on.", nameof(silos));
        }

        var grainHash = GrainHash(grainId);
        var best = silos[0];
        var bestScore = Score(grainHash, best);
        for (var i = 1; i < silos.Length; i++)
        {
            var score = Score(grainHash, silos[i]);
            if (score > bestScore || (score == bestScore && silos[i].CompareTo(best) < 0))
            {
                best = silos[i];
                bestScore = score;
            }
        }

        return best;
    }
}
