using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class SplitterTests
{
    [Fact]
    public void Scan_EveryCutPoint_FindsTheLastWholeBatchAndATornTail()
    {
        var batches = new[]
        {
            TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)], new RecordBatchBuilderOptions { BaseOffset = 100 }),
            TestBatches.Build([TestBatches.Simple(2)], new RecordBatchBuilderOptions { BaseOffset = 102, Compression = CompressionCodec.Gzip }),
            TestBatches.Build([TestBatches.Simple(3), TestBatches.Simple(4), TestBatches.Simple(5)], new RecordBatchBuilderOptions { BaseOffset = 103, Compression = CompressionCodec.Snappy }),
        };
        var buffer = batches.SelectMany(b => b).ToArray();
        var ends = new[] { batches[0].Length, batches[0].Length + batches[1].Length, buffer.Length };
        var lastOffsets = new long[] { 101, 102, 105 };

        for (var cut = 0; cut <= buffer.Length; cut++)
        {
            var scan = RecordBatchSplitter.Scan(buffer.AsSpan(0, cut), verifyRecords: true);
            var whole = ends.Count(e => e <= cut);

            scan.BatchCount.Should().Be(whole, $"cut at {cut}");
            scan.ValidLength.Should().Be(whole == 0 ? 0 : ends[whole - 1]);
            scan.FirstOffset.Should().Be(whole == 0 ? -1 : 100);
            scan.LastOffset.Should().Be(whole == 0 ? -1 : lastOffsets[whole - 1]);
            var atBoundary = cut == scan.ValidLength;
            scan.Tail.Should().Be(atBoundary ? BatchTailStatus.Clean : BatchTailStatus.Incomplete, $"cut at {cut}");
            scan.TailFault.Reason.Should().Be(atBoundary ? CorruptRecordBatchReason.None : CorruptRecordBatchReason.Truncated);
        }
    }

    [Fact]
    public void Scan_AnyBatchesCutAnywhere_ValidLengthIsABatchBoundary()
    {
        var arb = (from inputs in Generators.Batches(maxCount: 4).Generator.ArrayOf().Where(a => a.Length > 0)
                   from fraction in Gen.Choose(0, 1000)
                   select (inputs, fraction)).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            var built = t.inputs.Select(i => TestBatches.Build(i.Records, i.Options)).ToArray();
            var buffer = built.SelectMany(b => b).ToArray();
            var cut = (int)((long)buffer.Length * t.fraction / 1000);

            var scan = RecordBatchSplitter.Scan(buffer.AsSpan(0, cut));

            var boundaries = built.Select((b, i) => built.Take(i + 1).Sum(x => x.Length)).Prepend(0).ToArray();
            scan.ValidLength.Should().Be(boundaries.Last(b => b <= cut));
            scan.Tail.Should().Be(boundaries.Contains(cut) ? BatchTailStatus.Clean : BatchTailStatus.Incomplete);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Scan_CorruptMiddleBatch_StopsBeforeItAsCorrupt()
    {
        var first = TestBatches.Build([TestBatches.Simple(0)]);
        var second = TestBatches.Build([TestBatches.Simple(1)], new RecordBatchBuilderOptions { BaseOffset = 1 });
        var third = TestBatches.Build([TestBatches.Simple(2)], new RecordBatchBuilderOptions { BaseOffset = 2 });
        second[^3] ^= 0x10;
        var buffer = first.Concat(second).Concat(third).ToArray();

        var scan = RecordBatchSplitter.Scan(buffer);

        scan.ValidLength.Should().Be(first.Length);
        scan.BatchCount.Should().Be(1);
        scan.LastOffset.Should().Be(0);
        scan.Tail.Should().Be(BatchTailStatus.Corrupt);
        scan.TailFault.Reason.Should().Be(CorruptRecordBatchReason.BadCrc);
        scan.TailFault.Message.Should().Contain($"byte {first.Length}");
    }

    [Fact]
    public void Scan_ZeroFilledTail_IsCorruptNotAThrow()
    {
        var batch = TestBatches.Build([TestBatches.Simple(0)]);
        var buffer = batch.Concat(new byte[64]).ToArray();

        var scan = RecordBatchSplitter.Scan(buffer);

        scan.ValidLength.Should().Be(batch.Length);
        scan.Tail.Should().Be(BatchTailStatus.Corrupt);
        scan.TailFault.Reason.Should().Be(CorruptRecordBatchReason.LengthMismatch);
    }

    [Fact]
    public void Scan_RecordCountLieWithConsistentCrc_CaughtOnlyWhenVerifyingRecords()
    {
        var batch = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), 5);
        TestBatches.ReCrc(batch);

        RecordBatchSplitter.Scan(batch).Tail.Should().Be(BatchTailStatus.Clean);
        var deep = RecordBatchSplitter.Scan(batch, verifyRecords: true);
        deep.Tail.Should().Be(BatchTailStatus.Corrupt);
        deep.ValidLength.Should().Be(0);
        deep.TailFault.Reason.Should().Be(CorruptRecordBatchReason.RecordCountMismatch);
    }

    [Fact]
    public void Scan_Empty_IsCleanWithNoBatches()
    {
        var scan = RecordBatchSplitter.Scan([]);
        scan.Should().Be(new BatchScanResult
        {
            ValidLength = 0,
            BatchCount = 0,
            FirstOffset = -1,
            LastOffset = -1,
            MaxTimestamp = -1,
            Tail = BatchTailStatus.Clean,
            TailFault = default,
        });
    }
}
