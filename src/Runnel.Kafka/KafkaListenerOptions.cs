namespace Runnel.Kafka;

/// <summary>
/// The Kafka listener's settings (section <c>Runnel:Kafka</c> in the silo). The silo is the broker: every partition's
/// leader in Metadata is the silo that answers (any silo can serve any partition: its calls reach the partition's
/// grain wherever it lives).
/// </summary>
public sealed class KafkaListenerOptions
{
    /// <summary>Kafka's default port.</summary>
    public const int DefaultPort = 9092;

    /// <summary>The TCP port for Kafka clients (plaintext). Default 9092; 0 turns the listener off.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The address to listen on. Default 127.0.0.1.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The host name Metadata gives clients for this broker. Default: <see cref="ListenAddress"/>, which must
    /// then not be a wildcard (0.0.0.0, ::): a client cannot connect to one.</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>The port Metadata gives clients. Default: <see cref="Port"/> (set it behind a port mapping).</summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>The broker id in Metadata. Default: a stable hash of the advertised host and port, so that each silo
    /// of a cluster has its own id without configuration.</summary>
    public int? NodeId { get; set; }

    /// <summary>The cluster id in Metadata (the silo sets its own cluster id). Default <c>runnel</c>.</summary>
    public string ClusterId { get; set; } = "runnel";

    /// <summary>The largest request frame accepted; a larger size prefix closes the connection before anything is
    /// read into memory. Default 100 MiB, Kafka's <c>socket.request.max.bytes</c>.</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>How many requests of one connection may be in progress at once (answers still go out in order);
    /// reading stops while this many wait. Default 32 (librdkafka pipelines up to 5 per partition leader).</summary>
    public int MaxInFlightRequestsPerConnection { get; set; } = 32;

    /// <summary>How many client connections the listener keeps; further ones are closed at once. Default 10,000.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Per connection, how many bytes (counted as the partitions' <c>max_bytes</c>) of reads a Fetch may start
    /// for the client's next Fetch: when a partition is answered with data that ends before its end, the next range is
    /// read while the answer travels, and the next Fetch at that offset takes it instead of waiting for the read (a Kafka
    /// consumer keeps one Fetch in flight per broker); a read not taken within a second is dropped. Default 16 MiB
    /// (16 partitions at librdkafka's 1 MiB <c>max.partition.fetch.bytes</c>); 0 turns read-ahead off.</summary>
    public long FetchReadAheadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The longest a Fetch may wait for data (a client's <c>max_wait_ms</c> is capped to it). Default 30 s.</summary>
    public TimeSpan MaxFetchWait { get; set; } = TimeSpan.FromSeconds(30);
}
