using System.Globalization;

namespace Runnel.Grains;

/// <summary>The key of an <see cref="IPartitionGrain"/>: <c>{topic}/{partition}</c>. Topic names never contain '/'.</summary>
public static class PartitionKey
{
    public static string Format(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"{topic}/{partition}");

    /// <summary>Splits a key; throws <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidArgument"/>) when malformed.</summary>
    public static (string Topic, int Partition) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"'{key}' is not a partition key of the form topic/partition.");
        }

        return (key[..slash], partition);
    }
}
