namespace Runnel.Log.Batches;

/// <summary>
/// The compression codec of a record batch: bits 0-2 of its attributes, with Kafka's numbering.
/// Runnel writes and reads <see cref="None"/>, <see cref="Gzip"/> and <see cref="Snappy"/>;
/// <see cref="Lz4"/> and <see cref="Zstd"/> are recognised and rejected with
/// <see cref="UnsupportedCompressionException"/>. Ids 5-7 are not codecs at all (a corrupt batch).
/// </summary>
[GenerateSerializer, Alias("runnel.CompressionCodec")]
public enum CompressionCodec
{
    /// <summary>Records are stored as they are.</summary>
    None = 0,

    /// <summary>The record data is one gzip stream (RFC 1952).</summary>
    Gzip = 1,

    /// <summary>The record data is snappy: written with xerial framing (as Kafka's Java client does), read framed or raw.</summary>
    Snappy = 2,

    /// <summary>LZ4 frame format. Not supported by Runnel.</summary>
    Lz4 = 3,

    /// <summary>Zstandard. Not supported by Runnel.</summary>
    Zstd = 4,
}
