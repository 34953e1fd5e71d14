using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Runnel.Grains;

namespace Runnel.Kafka.Internal;

/// <summary>
/// Kafka topic ids for Runnel topics, which have none of their own: a UUID made from the topic's name and creation time
/// (SHA-256, the first 16 bytes with the RFC 4122 version-8 and variant bits set), so every silo answers the same id
/// for a topic and a topic deleted and created again gets a new one. Remembers the name of every id it made, to read
/// partitions a client names by id (KIP-848 heartbeats, Metadata by id); an id made on another silo is found by one
/// walk over the topic catalog (one describe per topic). Thread-safe.
/// </summary>
internal sealed class TopicIds(IGrainFactory grains)
{
    /// <summary>The least time between two catalog walks: ids nobody has (a confused or hostile client) cost at most
    /// one walk this often, not one each.</summary>
    private const long MinWalkIntervalMs = 1000;

    private readonly ConcurrentDictionary<Guid, string> _names = new();
    private long _lastWalk = long.MinValue / 2;

    /// <summary>The id of the topic <paramref name="description"/> describes (remembered for <see cref="TryResolveAsync"/>).</summary>
    public Guid Of(TopicDescription description)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{description.Name}\n{description.CreatedAt.UtcTicks}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: application-defined
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        var id = new Guid(hash[..16], bigEndian: true);
        _names[id] = description.Name;
        return id;
    }

    /// <summary>The ids of <paramref name="names"/>, one topic-grain describe each; a topic that cannot be described
    /// (deleted meanwhile, or unreachable) is left out.</summary>
    public async Task<IReadOnlyDictionary<string, Guid>> OfAsync(IEnumerable<string> names)
    {
        var described = await Task.WhenAll(names.Distinct(StringComparer.Ordinal).Select(TryDescribeAsync)).ConfigureAwait(false);
        return described.OfType<TopicDescription>().ToDictionary(d => d.Name, Of, StringComparer.Ordinal);
    }

    /// <summary>The name of the topic with <paramref name="id"/>, or null when no topic has it. An id not made here
    /// yet costs a walk over the topic catalog, at most one per <see cref="MinWalkIntervalMs"/> (an id of a topic
    /// created on another silo within that time is unknown until the next walk: the client asks again).</summary>
    public async Task<string?> TryResolveAsync(Guid id)
    {
        if (_names.TryGetValue(id, out var name))
        {
            return name;
        }

        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWalk);
        if (now - last < MinWalkIntervalMs || Interlocked.CompareExchange(ref _lastWalk, now, last) != last)
        {
            return null;
        }

        var all = await grains.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey).ListTopicsAsync().ConfigureAwait(false);
        await OfAsync(all).ConfigureAwait(false);
        return _names.GetValueOrDefault(id);
    }

    private async Task<TopicDescription?> TryDescribeAsync(string name)
    {
        try
        {
            return await grains.GetGrain<ITopicGrain>(name).DescribeAsync().ConfigureAwait(false);
        }
        catch (RunnelException)
        {
            return null;
        }
    }
}
