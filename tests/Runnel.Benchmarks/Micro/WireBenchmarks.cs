using BenchmarkDotNet.Attributes;
using Runnel.Client;
using Runnel.Grains;
using Runnel.Serialization;

namespace Runnel.Benchmarks.Micro;

/// <summary>Per-call work outside the batch: encoding a produce request frame, and the partitioner's key hash.</summary>
[MemoryDiagnoser]
public class WireBenchmarks
{
    private readonly WireWriter _frame = new(128 * 1024);
    private ProduceRequest _request = new(ReadOnlyMemory<byte>.Empty);

    [GlobalSetup]
    public void Setup() => _request = new ProduceRequest(MicroData.Batch());

    [GlobalCleanup]
    public void Cleanup() => _frame.Dispose();

    /// <summary>A request frame carrying a ~66 KiB ProduceRequest: the header fields, the grain id and the argument,
    /// into a reused writer (the transport's frame layout).</summary>
    [Benchmark]
    public int EncodeProduceFrame() => FrameSample.EncodeProduceRequest(_frame, _request);

    /// <summary>Kafka's murmur2 over a 16-byte key (the default partitioner).</summary>
    [Benchmark]
    public int Murmur2Key() => Murmur2.Hash(MicroData.Key);
}
