namespace Runnel.Client;

/// <summary>How a producer compresses its batches (Kafka's codecs, numbered as Kafka numbers them).</summary>
public enum CompressionType
{
    /// <summary>No compression.</summary>
    None = 0,

    /// <summary>gzip (RFC 1952): smallest, slowest.</summary>
    Gzip = 1,

    /// <summary>snappy, xerial-framed as Kafka's Java client writes it: fast, moderate ratio.</summary>
    Snappy = 2,

    /// <summary>lz4, in Kafka's LZ4 frame format: fastest, moderate ratio.</summary>
    Lz4 = 3,

    /// <summary>zstd (level 3, Kafka's default): close to gzip's ratio at a fraction of its cost.</summary>
    Zstd = 4,
}
