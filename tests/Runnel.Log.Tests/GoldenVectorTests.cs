using System.Text;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class GoldenVectorTests
{
    // One record, key "k", value "v", timestamp 1,700,000,000,000 ms (0x0000018BCFE56800), no producer, derived by hand
    // from the RecordBatch v2 layout. The CRC was computed independently with a bitwise CRC-32C (poly 0x82F63B78).
    private const string OneRecordBatch =
        "0000000000000000" +   // baseOffset 0
        "0000003A" +           // batchLength 58 = 70 - 12
        "FFFFFFFF" +           // partitionLeaderEpoch -1
        "02" +                 // magic 2
        "E99B8DD8" +           // crc
        "0000" +               // attributes: no compression, create time, not transactional, not control
        "00000000" +           // lastOffsetDelta 0
        "0000018BCFE56800" +   // baseTimestamp
        "0000018BCFE56800" +   // maxTimestamp
        "FFFFFFFFFFFFFFFF" +   // producerId -1
        "FFFF" +               // producerEpoch -1
        "FFFFFFFF" +           // baseSequence -1
        "00000001" +           // records count 1
        "10" +                 // record length 8 (zig-zag 16)
        "00" +                 // attributes
        "00" +                 // timestampDelta 0
        "00" +                 // offsetDelta 0
        "02" + "6B" +          // keyLength 1, "k"
        "02" + "76" +          // valueLength 1, "v"
        "00";                  // headers count 0

    // Three batches a Kafka 0.11 broker wrote (Java client), as published in kafka-python's test data
    // (dpkp/kafka-python, test/record/test_records.py). A byte vector of the protocol: a fact, not code.
    private const string KafkaBatch1 = // offset 0, value "123", key null, timestamp 1503229838908, partitionLeaderEpoch 1
        "00000000000000000000003B00000001020318A2700000000000000000015DFF7B063C0000015DFF7B063C" +
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFF0000000112000000010631323300";

    private const string KafkaBatch2 = // offsets 1-2, two empty values, the second 168 ms later, partitionLeaderEpoch 2
        "0000000000000001000000400000000202C85CBD230000000000010000015DFF7CDD6C0000015DFF7CDE14" +
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFF000000020C0000000100000E00D00202010000";

    private const string KafkaBatch3 = // offset 3, value "123"
        "00000000000000030000003B00000002022E0B85B70000000000000000015DFF7CE79D0000015DFF7CE79D" +
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFF0000000112000000010631323300";

    [Fact]
    public void Builder_OneRecord_WritesTheHandDerivedBytes()
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(1_700_000_000_000, "k"u8.ToArray(), "v"u8.ToArray()).Should().BeTrue();

        Convert.ToHexString(builder.ToArray()).Should().Be(OneRecordBatch);
    }

    [Fact]
    public void Header_HandDerivedBatch_ReadsEveryField()
    {
        var bytes = Convert.FromHexString(OneRecordBatch);
        RecordBatch.Validate(bytes);

        var header = RecordBatchHeader.Read(bytes);
        header.BaseOffset.Should().Be(0);
        header.BatchLength.Should().Be(58);
        header.TotalLength.Should().Be(70);
        header.PartitionLeaderEpoch.Should().Be(-1);
        header.Magic.Should().Be(2);
        header.Crc.Should().Be(0xE99B8DD8u);
        header.Attributes.Should().Be(0);
        header.Compression.Should().Be(CompressionCodec.None);
        header.TimestampType.Should().Be(TimestampType.CreateTime);
        header.IsTransactional.Should().BeFalse();
        header.IsControlBatch.Should().BeFalse();
        header.HasDeleteHorizon.Should().BeFalse();
        header.LastOffsetDelta.Should().Be(0);
        header.BaseTimestamp.Should().Be(1_700_000_000_000);
        header.MaxTimestamp.Should().Be(1_700_000_000_000);
        header.ProducerId.Should().Be(-1);
        header.ProducerEpoch.Should().Be(-1);
        header.BaseSequence.Should().Be(-1);
        header.LastSequence.Should().Be(-1);
        header.RecordCount.Should().Be(1);
        RecordBatch.ComputeCrc(bytes).Should().Be(header.Crc);
    }

    [Fact]
    public void Validate_KafkaProducedBatches_Pass()
    {
        foreach (var hex in new[] { KafkaBatch1, KafkaBatch2, KafkaBatch3 })
        {
            RecordBatch.Validate(Convert.FromHexString(hex));
        }
    }

    [Fact]
    public void Reader_KafkaProducedBatches_YieldTheirRecords()
    {
        var buffer = Convert.FromHexString(KafkaBatch1 + KafkaBatch2 + KafkaBatch3);
        var batches = new List<RecordBatchView>();
        foreach (var batch in new RecordBatchReader(buffer))
        {
            batches.Add(batch);
        }

        batches.Select(b => b.BaseOffset).Should().Equal(0, 1, 3);
        batches.Select(b => b.Header.PartitionLeaderEpoch).Should().Equal(1, 2, 2);
        TestBatches.ReadAll(batches[0]).Should().Equal(new TestRecord(1503229838908, null, Encoding.ASCII.GetBytes("123"), []).Describe());
        TestBatches.ReadAll(batches[1]).Should().Equal(
            new TestRecord(1503229959532, null, [], []).Describe(),
            new TestRecord(1503229959700, null, [], []).Describe());
        TestBatches.ReadOffsets(batches[1]).Should().Equal(1, 2);
        TestBatches.ReadOffsets(batches[2]).Should().Equal(3);
        batches[1].Header.MaxTimestamp.Should().Be(1503229959700);
    }

    [Fact]
    public void Builder_SameRecordsAsKafka_WritesKafkasRecordBytes()
    {
        // Rebuild Kafka's first batch from its content and compare everything that does not depend on the broker
        // (the broker set baseOffset and partitionLeaderEpoch outside the CRC).
        var options = new RecordBatchBuilderOptions { PartitionLeaderEpoch = 1 };
        using var builder = new RecordBatchBuilder(options);
        builder.TryAppend(1503229838908, null, Encoding.ASCII.GetBytes("123")).Should().BeTrue();

        Convert.ToHexString(builder.ToArray()).Should().Be(KafkaBatch1);
    }

    [Fact]
    public void Scan_KafkaBatchesWithFourStrayBytes_ReportsTheValidPrefix()
    {
        var buffer = Convert.FromHexString(KafkaBatch1 + KafkaBatch2 + KafkaBatch3 + "00000000");

        var scan = RecordBatchSplitter.Scan(buffer, verifyRecords: true);

        scan.ValidLength.Should().Be(218);
        scan.BatchCount.Should().Be(3);
        scan.FirstOffset.Should().Be(0);
        scan.LastOffset.Should().Be(3);
        scan.MaxTimestamp.Should().Be(1503229962141);
        scan.Tail.Should().Be(BatchTailStatus.Incomplete);
        scan.TailFault.Reason.Should().Be(CorruptRecordBatchReason.Truncated);
    }
}
