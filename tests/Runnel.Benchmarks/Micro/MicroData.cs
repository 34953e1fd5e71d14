using Runnel.Log.Batches;

namespace Runnel.Benchmarks.Micro;

/// <summary>Inputs shared by the micro-benchmarks: a producer-sized batch of 1 KiB records with 16-byte keys.</summary>
internal static class MicroData
{
    public const int Records = 64;

    public const int ValueBytes = 1024;

    public static byte[] Key { get; } = Enumerable.Range(0, 16).Select(i => (byte)('k' + i)).ToArray();

    public static byte[] Value { get; } = Enumerable.Range(0, ValueBytes).Select(i => (byte)('a' + (i % 26))).ToArray();

    /// <summary>A batch of <see cref="Records"/> records, as a producer sends it.</summary>
    public static byte[] Batch()
    {
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < Records; i++)
        {
            builder.TryAppend(1_700_000_000_000 + i, Key, Value);
        }

        return builder.ToArray();
    }
}
