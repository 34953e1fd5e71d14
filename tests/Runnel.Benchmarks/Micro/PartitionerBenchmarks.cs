using BenchmarkDotNet.Attributes;
using Runnel.Client;

namespace Runnel.Benchmarks.Micro;

/// <summary>Per-record work outside the batch: the default partitioner's key hash.</summary>
[MemoryDiagnoser]
public class PartitionerBenchmarks
{
    /// <summary>Kafka's murmur2 over a 16-byte key (the default partitioner).</summary>
    [Benchmark]
    public int Murmur2Key() => Murmur2.Hash(MicroData.Key);
}
