using Runnel.Buffers;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using Runnel.Log.Batches;
using Snappier;
using ZstdSharp;

namespace Runnel.Log.Internal;

/// <summary>
/// Compresses and decompresses the records region of a batch, in the four codecs Kafka clients send. gzip is
/// System.IO.Compression; snappy is Snappier, with xerial framing on write (what Kafka's Java client writes) and
/// xerial-framed or raw (what librdkafka writes) on read; lz4 is K4os' LZ4 frame format (Kafka's since magic 1: a
/// standard LZ4 frame, written with independent 64 KiB blocks and no checksums but the header's, which Kafka's Java
/// reader requires); zstd is ZstdSharp, one zstd frame at Kafka's default level 3. Every decoder stops as soon as the
/// output passes <see cref="RecordBatch.MaxDecompressedBytes"/>.
/// </summary>
/// <remarks>
/// Xerial snappy framing (all integers big-endian):
/// <code>
///  +------+-----+-----+-----+-----+-----+-----+------+-----------+-----------+
///  | 0x82 | 'S' | 'N' | 'A' | 'P' | 'P' | 'Y' | 0x00 | version:4 | compat:4  |   16-byte stream header
///  +------+-----+-----+-----+-----+-----+-----+------+-----------+-----------+
///  | chunk length:4 | raw snappy block of that many bytes |   repeated to the end
///  +----------------+-------------------------------------+
/// </code>
/// A raw snappy block opens with its uncompressed length as an unsigned LEB128 varint, which is checked against the
/// decompression limit before anything is decoded.
/// </remarks>
internal static class BatchCompression
{
    /// <summary>Xerial's default block size, so each chunk is what Kafka's Java client would write.</summary>
    private const int XerialChunkBytes = 32 * 1024;

    private const int XerialHeaderBytes = 16;

    private const int XerialVersion = 1;

    private const int XerialCompatibleVersion = 1;

    /// <summary>Read granularity of the gzip inflater into the output buffer.</summary>
    private const int InflateStepBytes = 16 * 1024;

    /// <summary>Kafka's default zstd level (compression.zstd.level).</summary>
    private const int ZstdLevel = 3;

    /// <summary>LZ4 frames as Kafka's Java client writes them: 64 KiB independent blocks, no block or content checksum.</summary>
    private static readonly LZ4EncoderSettings Lz4Settings = new()
    {
        BlockSize = 64 * 1024,
        ChainBlocks = false,
        BlockChecksum = false,
        ContentChecksum = false,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00];

    public static void Compress(CompressionCodec codec, ReadOnlySpan<byte> source, PooledBufferWriter destination)
    {
        switch (codec)
        {
            case CompressionCodec.Gzip:
                using (var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal, leaveOpen: false))
                {
                    gzip.Write(source);
                }

                break;

            case CompressionCodec.Snappy:
                destination.Write(XerialMagic);
                var header = destination.GetSpan(8);
                BinaryPrimitives.WriteInt32BigEndian(header, XerialVersion);
                BinaryPrimitives.WriteInt32BigEndian(header[4..], XerialCompatibleVersion);
                destination.Advance(8);
                while (!source.IsEmpty)
                {
                    var chunk = source[..Math.Min(XerialChunkBytes, source.Length)];
                    var span = destination.GetSpan(4 + Snappy.GetMaxCompressedLength(chunk.Length));
                    var blockLength = Snappy.Compress(chunk, span[4..]);
                    BinaryPrimitives.WriteInt32BigEndian(span, blockLength);
                    destination.Advance(4 + blockLength);
                    source = source[chunk.Length..];
                }

                break;

            case CompressionCodec.Lz4:
                using (var lz4 = LZ4Stream.Encode(new BufferWriterStream(destination), Lz4Settings, leaveOpen: false))
                {
                    lz4.Write(source);
                }

                break;

            case CompressionCodec.Zstd:
                using (var zstd = new Compressor(ZstdLevel))
                {
                    var span = destination.GetSpan(Compressor.GetCompressBound(source.Length));
                    destination.Advance(zstd.Wrap(source, span));
                }

                break;

            case CompressionCodec.None:
                destination.Write(source);
                break;

            default:
                throw new UnsupportedCompressionException(codec);
        }
    }

    public static bool TryDecompress(CompressionCodec codec, ReadOnlySpan<byte> source, PooledBufferWriter destination, out RecordBatchFault fault)
    {
        try
        {
            return codec switch
            {
                CompressionCodec.Gzip => TryInflate(codec, source, destination, static input => new GZipStream(input, CompressionMode.Decompress), out fault),
                CompressionCodec.Snappy => TryUnsnappy(source, destination, out fault),
                CompressionCodec.Lz4 => TryInflate(codec, source, destination, static input => LZ4Stream.Decode(input, leaveOpen: false), out fault),
                CompressionCodec.Zstd => TryInflate(codec, source, destination, static input => new DecompressionStream(input, leaveOpen: false), out fault),
                _ => throw new UnreachableException($"Codec {codec} is not decompressed here."),
            };
        }
        catch (Exception ex) when (ex is InvalidDataException or IndexOutOfRangeException or ArgumentException or InvalidOperationException
            or IOException or NotSupportedException or NotImplementedException or ZstdException)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                $"The {codec.ToString().ToLowerInvariant()} record data ({source.Length} bytes) does not decompress: {ex.Message}");
            return false;
        }
    }

    /// <summary>Decodes a streaming codec (gzip, lz4, zstd) step by step, stopping once the output passes the limit.</summary>
    private static bool TryInflate(CompressionCodec codec, ReadOnlySpan<byte> source, PooledBufferWriter destination,
        Func<Stream, Stream> decoder, out RecordBatchFault fault)
    {
        // The decoders read from a Stream, so the compressed bytes are copied once into a rented array.
        var rented = ArrayPool<byte>.Shared.Rent(source.Length);
        try
        {
            source.CopyTo(rented);
            using var input = new MemoryStream(rented, 0, source.Length, writable: false);
            using var stream = decoder(input);
            while (true)
            {
                var read = stream.Read(destination.GetSpan(InflateStepBytes));
                if (read == 0)
                {
                    break;
                }

                destination.Advance(read);
                if (destination.WrittenCount > RecordBatch.MaxDecompressedBytes)
                {
                    fault = TooLarge(codec, destination.WrittenCount);
                    return false;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        fault = default;
        return true;
    }

    private static bool TryUnsnappy(ReadOnlySpan<byte> source, PooledBufferWriter destination, out RecordBatchFault fault)
    {
        if (!source.StartsWith(XerialMagic))
        {
            return TryUnsnappyBlock(source, destination, out fault);
        }

        if (source.Length < XerialHeaderBytes)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                $"The xerial snappy header needs {XerialHeaderBytes} bytes; the record data has {source.Length}.");
            return false;
        }

        var position = XerialHeaderBytes;
        while (position < source.Length)
        {
            if (source.Length - position < 4)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                    $"A xerial snappy chunk length at byte {position} is cut off ({source.Length - position} of 4 bytes).");
                return false;
            }

            var chunkLength = BinaryPrimitives.ReadInt32BigEndian(source[position..]);
            position += 4;
            if (chunkLength < 0 || chunkLength > source.Length - position)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                    $"A xerial snappy chunk at byte {position - 4} declares {chunkLength} bytes; {source.Length - position} remain.");
                return false;
            }

            if (!TryUnsnappyBlock(source.Slice(position, chunkLength), destination, out fault))
            {
                return false;
            }

            position += chunkLength;
        }

        fault = default;
        return true;
    }

    private static bool TryUnsnappyBlock(ReadOnlySpan<byte> block, PooledBufferWriter destination, out RecordBatchFault fault)
    {
        // The block's preamble: its uncompressed length, unsigned LEB128, at most 5 bytes for 32 bits.
        ulong declared = 0;
        var i = 0;
        for (; ; i++)
        {
            if (i == block.Length || i == 5)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                    "A snappy block's length preamble is cut off or too long.");
                return false;
            }

            declared |= (ulong)(block[i] & 0x7F) << (7 * i);
            if (block[i] < 0x80)
            {
                break;
            }
        }

        if ((long)destination.WrittenCount + (long)declared > RecordBatch.MaxDecompressedBytes)
        {
            fault = TooLarge(CompressionCodec.Snappy, (long)destination.WrittenCount + (long)declared);
            return false;
        }

        var decoded = Snappy.Decompress(block, destination.GetSpan((int)Math.Max(declared, 1)));
        if ((ulong)decoded != declared)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.DecompressionFailed,
                $"A snappy block declares {declared} uncompressed bytes but decodes to {decoded}.");
            return false;
        }

        destination.Advance(decoded);
        fault = default;
        return true;
    }

    private static RecordBatchFault TooLarge(CompressionCodec codec, long bytes) =>
        new(CorruptRecordBatchReason.DecompressedTooLarge,
            $"The {codec.ToString().ToLowerInvariant()} record data decompresses to at least {bytes} bytes; the limit is {RecordBatch.MaxDecompressedBytes}.");
}
