namespace Runnel.Log.Batches;

/// <summary>
/// A record batch (or a builder's options) uses a compression codec Kafka defines but Runnel does not
/// implement (<see cref="CompressionCodec.Lz4"/>, <see cref="CompressionCodec.Zstd"/>). The message names the codec.
/// Not retriable: the producer has to pick another codec.
/// </summary>
[GenerateSerializer, Alias("runnel.UnsupportedCompressionException")]
public sealed class UnsupportedCompressionException : RunnelException
{
    public UnsupportedCompressionException(CompressionCodec codec)
        : base(RunnelErrorCode.UnsupportedCompression,
            $"Compression codec {codec.ToString().ToLowerInvariant()} (id {(int)codec}) is not supported: Runnel reads and writes none, gzip and snappy.")
    {
        Codec = codec;
    }

    /// <summary>The codec the batch asked for.</summary>
    [Id(0)]
    public CompressionCodec Codec { get; }
}
