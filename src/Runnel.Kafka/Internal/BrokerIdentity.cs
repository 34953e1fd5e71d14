using System.Globalization;

namespace Runnel.Kafka.Internal;

/// <summary>Who this broker says it is in Metadata.</summary>
internal sealed record BrokerIdentity(int NodeId, string Host, int Port, string ClusterId)
{
    public static BrokerIdentity From(KafkaListenerOptions options, int boundPort)
    {
        var host = options.AdvertisedHost ?? options.ListenAddress;
        var port = options.AdvertisedPort ?? boundPort;
        return new BrokerIdentity(options.NodeId ?? StableId(string.Create(CultureInfo.InvariantCulture, $"{host}:{port}")), host, port, options.ClusterId);
    }

    /// <summary>FNV-1a over the endpoint, masked to a non-negative int32: the same endpoint always gets the same id.</summary>
    private static int StableId(string endpoint)
    {
        var hash = 2166136261u;
        foreach (var c in endpoint)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
