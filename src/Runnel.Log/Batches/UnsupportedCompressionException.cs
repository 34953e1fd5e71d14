namespace Runnel.Log.Batches;

/// <summary>
/// A record batch (or a builder's options) uses a compression codec Kafka defines but Runnel does not
/// implement. The message names the codec. Not retriable: the producer has to pick another codec. Runnel reads and
/// writes all of Kafka's codecs today, so nothing throws it; the type stays for older peers and the error code.
/// </summary>
[GenerateSerializer, Alias("runnel.UnsupportedCompressionException")]
public sealed class UnsupportedCompressionException : RunnelException
{
    public UnsupportedCompressionException(CompressionCodec codec)
        : base(RunnelErrorCode.UnsupportedCompression,
            $"Compression codec {codec.ToString().ToLowerInvariant()} (id {(int)codec}) is not supported: Runnel reads and writes none, gzip, snappy, lz4 and zstd.")
    {
        Codec = codec;
    }

    /// <summary>The codec the batch asked for.</summary>
    [Id(0)]
    public CompressionCodec Codec { get; }
}
