namespace Runnel.Client;

/// <summary>How a producer compresses its batches (Kafka's codecs that Runnel implements).</summary>
public enum CompressionType
{
    /// <summary>No compression.</summary>
    None = 0,

    /// <summary>gzip (RFC 1952): smallest, slowest.</summary>
    Gzip = 1,

    /// <summary>snappy, xerial-framed as Kafka's Java client writes it: fast, moderate ratio.</summary>
    Snappy = 2,
}
