using System.Buffers;
using BenchmarkDotNet.Attributes;
using Runnel.Log.Batches;

namespace Runnel.Benchmarks.Micro;

/// <summary>The record batch on the produce path: building one (client) and validating one (silo, twice per produce:
/// the partition grain and the log).</summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(128 * 1024);
    private byte[] _batch = [];

    [GlobalSetup]
    public void Setup() => _batch = MicroData.Batch();

    /// <summary>64 records of 1 KiB into a batch, written out to a reused buffer (the builder's own buffer is pooled).</summary>
    [Benchmark]
    public int BuildBatch()
    {
        _output.ResetWrittenCount();
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < MicroData.Records; i++)
        {
            builder.TryAppend(1_700_000_000_000 + i, MicroData.Key, MicroData.Value);
        }

        return builder.WriteTo(_output);
    }

    /// <summary>Framing, CRC-32C over the whole batch and the record walk, as a partition checks a produce request.</summary>
    [Benchmark]
    public void ValidateBatch() => RecordBatch.Validate(_batch);
}
