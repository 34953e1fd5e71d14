using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

/// <summary>FsCheck generators for batches: records with null, empty and binary keys and values, headers with
/// non-ASCII keys and null values, timestamps around a base, every supported codec and producer fields.</summary>
internal static class Generators
{
    private static readonly char[] KeyChars = "abcxyzABC019-_. éü中名\u00ff".ToCharArray();

    public static Gen<byte[]> Bytes(int maxLength) =>
        Gen.Choose(0, maxLength).SelectMany(n => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(n));

    public static Gen<byte[]?> NullableBytes =>
        Gen.Frequency(
            (1, Gen.Constant<byte[]?>(null)),
            (1, Gen.Constant<byte[]?>([])),
            (6, Bytes(40).Select(b => (byte[]?)b)),
            (1, Bytes(400).Select(b => (byte[]?)b)));

    public static Gen<TestHeader> Header =>
        from key in Gen.Elements(KeyChars).ArrayOf().Select(c => new string(c))
        from value in NullableBytes
        select new TestHeader(key, value);

    public static Gen<TestRecord[]> Records(int maxCount) =>
        from baseTimestamp in Gen.Choose(0, int.MaxValue).Select(t => 1_000_000_000_000L + t)
        from count in Gen.Choose(1, maxCount)
        from records in Record(baseTimestamp).ArrayOf(count)
        select records;

    public static Gen<TestRecord> Record(long baseTimestamp) =>
        from delta in Gen.Frequency((3, Gen.Choose(-1000, 1000)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from key in NullableBytes
        from value in NullableBytes
        from headerCount in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 4)))
        from headers in Header.ArrayOf(headerCount)
        select new TestRecord(baseTimestamp + delta, key, value, headers);

    public static Gen<RecordBatchBuilderOptions> Options =>
        from codec in Gen.Elements(CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd)
        from producerId in Gen.Elements(-1L, 0L, 4242L, long.MaxValue)
        from epoch in Gen.Elements<short>(-1, 0, 7, short.MaxValue)
        from sequence in Gen.Elements(-1, 0, 99, int.MaxValue - 3)
        from transactional in Gen.Elements(false, true)
        from leaderEpoch in Gen.Elements(-1, 0, 12)
        from baseOffset in Gen.Elements(0L, 1L, 1_000_000_007L)
        select new RecordBatchBuilderOptions
        {
            Compression = codec,
            ProducerId = producerId,
            ProducerEpoch = epoch,
            BaseSequence = sequence,
            IsTransactional = transactional,
            PartitionLeaderEpoch = leaderEpoch,
            BaseOffset = baseOffset,
            MaxBatchBytes = RecordBatch.MaxBatchBytes,
        };

    public static Arbitrary<(RecordBatchBuilderOptions Options, TestRecord[] Records)> Batches(int maxCount) =>
        (from options in Options
         from records in Records(maxCount)
         select (options, records)).ToArbitrary();
}
