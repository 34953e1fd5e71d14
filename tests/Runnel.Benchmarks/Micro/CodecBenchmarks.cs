using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Runnel.Log.Batches;

namespace Runnel.Benchmarks.Micro;

/// <summary>Kafka's batch codecs on a producer-sized batch (64 records of 1 KiB, JSON-like values with random digits,
/// so about 2-4x compressible): compressing while building it (the producer) and decompressing while validating it
/// (the partition, on every produce; a consumer reading it).</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private byte[][] _values = [];
    private byte[] _batch = [];

    [Params(CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd)]
    public CompressionCodec Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _values = [.. Enumerable.Range(0, MicroData.Records).Select(_ => Value(random))];
        _output.ResetWrittenCount();
        Build();
        _batch = _output.WrittenSpan.ToArray();
        Console.WriteLine($"// {Codec}: {MicroData.Records} records, {_batch.Length} bytes stored");
    }

    /// <summary>64 records into a batch with the codec, written out to a reused buffer.</summary>
    [Benchmark]
    public int Compress()
    {
        _output.ResetWrittenCount();
        return Build();
    }

    /// <summary>Framing, CRC, decompression and the record walk, as a partition checks a produce request.</summary>
    [Benchmark]
    public void Decompress() => RecordBatch.Validate(_batch);

    private int Build()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { Compression = Codec });
        for (var i = 0; i < _values.Length; i++)
        {
            builder.TryAppend(1_700_000_000_000 + i, MicroData.Key, _values[i]);
        }

        return builder.WriteTo(_output);
    }

    private static byte[] Value(Random random)
    {
        var text = new StringBuilder();
        while (text.Length < MicroData.ValueBytes)
        {
            text.Append("{\"order\":").Append(random.Next(1_000_000)).Append(",\"customer\":\"c-").Append(random.Next(10_000))
                .Append("\",\"amount\":").Append(random.Next(100_000) / 100.0).Append(",\"status\":\"")
                .Append(random.Next(3) switch { 0 => "placed", 1 => "paid", _ => "shipped" }).Append("\"}");
        }

        return Encoding.UTF8.GetBytes(text.ToString(0, MicroData.ValueBytes));
    }
}
