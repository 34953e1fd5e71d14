using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class RoundTripPropertyTests
{
    [Fact]
    public void AnyBatch_BuiltThenRead_RoundTrips()
    {
        Prop.ForAll(Generators.Batches(maxCount: 30), input =>
        {
            var (options, records) = input;
            var bytes = TestBatches.Build(records, options);

            RecordBatch.Validate(bytes);
            RecordBatch.Validate(bytes, RecordBatchValidationMode.Stored);

            var batch = TestBatches.View(bytes);
            var h = batch.Header;
            h.BaseOffset.Should().Be(options.BaseOffset);
            h.PartitionLeaderEpoch.Should().Be(options.PartitionLeaderEpoch);
            h.Compression.Should().Be(options.Compression);
            h.ProducerId.Should().Be(options.ProducerId);
            h.ProducerEpoch.Should().Be(options.ProducerEpoch);
            h.BaseSequence.Should().Be(options.BaseSequence);
            h.IsTransactional.Should().Be(options.IsTransactional);
            h.IsControlBatch.Should().BeFalse();
            h.RecordCount.Should().Be(records.Length);
            h.LastOffsetDelta.Should().Be(records.Length - 1);
            h.BaseTimestamp.Should().Be(records[0].Timestamp);
            h.MaxTimestamp.Should().Be(records.Max(r => r.Timestamp));
            h.TotalLength.Should().Be(bytes.Length);

            TestBatches.ReadAll(batch).Should().Equal(records.Select(r => r.Describe()));
            TestBatches.ReadOffsets(batch).Should().Equal(Enumerable.Range(0, records.Length).Select(i => options.BaseOffset + i));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AnyBatches_BackToBack_ReaderYieldsEachInOrder()
    {
        var arb = Generators.Batches(maxCount: 5).Generator.ArrayOf().Where(a => a.Length > 0).ToArbitrary();
        Prop.ForAll(arb, inputs =>
        {
            var built = inputs.Select(i => TestBatches.Build(i.Records, i.Options)).ToArray();
            var buffer = built.SelectMany(b => b).ToArray();

            var seen = new List<string>();
            var count = 0;
            foreach (var batch in new RecordBatchReader(buffer))
            {
                batch.Memory.ToArray().Should().Equal(built[count]);
                seen.AddRange(TestBatches.ReadAll(batch));
                count++;
            }

            count.Should().Be(built.Length);
            seen.Should().Equal(inputs.SelectMany(i => i.Records).Select(r => r.Describe()));
            RecordBatchSplitter.Scan(buffer, verifyRecords: true).Should().Match<BatchScanResult>(s =>
                s.ValidLength == buffer.Length && s.BatchCount == built.Length && s.Tail == BatchTailStatus.Clean);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void SetBaseOffset_AnyOffset_KeepsTheBatchValidAndShiftsRecordOffsets()
    {
        var arb = (from input in Generators.Batches(maxCount: 10).Generator
                   from offset in Gen.Choose(0, int.MaxValue).Select(o => (long)o * 1000)
                   select (input, offset)).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            var bytes = TestBatches.Build(t.input.Records, t.input.Options);
            RecordBatch.SetBaseOffset(bytes, t.offset);

            RecordBatch.Validate(bytes);
            var batch = TestBatches.View(bytes);
            batch.BaseOffset.Should().Be(t.offset);
            batch.LastOffset.Should().Be(t.offset + t.input.Records.Length - 1);
            TestBatches.ReadOffsets(batch).Should().Equal(Enumerable.Range(0, t.input.Records.Length).Select(i => t.offset + i));
        }).QuickCheckThrowOnFailure();
    }
}
