using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class ControlBatchTests
{
    [Theory]
    [InlineData(ControlRecordType.Commit, 7)]
    [InlineData(ControlRecordType.Abort, 0)]
    [InlineData(ControlRecordType.Commit, int.MaxValue)]
    public void ControlBatch_Marker_RoundTrips(ControlRecordType type, int coordinatorEpoch)
    {
        var options = new RecordBatchBuilderOptions
        {
            IsControlBatch = true,
            IsTransactional = true,
            ProducerId = 9001,
            ProducerEpoch = 3,
            BaseOffset = 40,
        };
        using var builder = new RecordBatchBuilder(options);
        builder.AppendControlRecord(1_700_000_000_123, type, coordinatorEpoch);
        var bytes = builder.ToArray();

        RecordBatch.Validate(bytes);
        var batch = TestBatches.View(bytes);
        batch.Header.IsControlBatch.Should().BeTrue();
        batch.Header.IsTransactional.Should().BeTrue();
        batch.Header.Attributes.Should().Be(0x30);
        batch.Header.ProducerId.Should().Be(9001);
        batch.Header.ProducerEpoch.Should().Be(3);

        using var records = batch.ReadRecords();
        var count = 0;
        foreach (var record in records)
        {
            count++;
            record.Offset.Should().Be(40);
            record.Timestamp.Should().Be(1_700_000_000_123);
            Convert.ToHexString(record.Key!.Value.Span).Should().Be($"0000000{(int)type}");
            Convert.ToHexString(record.Value!.Value.Span).Should().Be($"0000{coordinatorEpoch:X8}");
            ControlRecords.ReadMarker(record).Should().Be(new EndTransactionMarker(type, coordinatorEpoch));
        }

        count.Should().Be(1);
    }

    [Fact]
    public void ControlBatch_MarkerWithParticipantsHeader_KeyValueAndTypeUnchangedAndParticipantsRead()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { IsControlBatch = true, IsTransactional = true, ProducerId = 5, ProducerEpoch = 1 });
        builder.AppendControlRecord(1_700_000_000_000, ControlRecordType.Commit, 4,
            [new RecordHeader(ControlRecords.ParticipantsHeader, ControlRecords.EncodeParticipants(638_999_000_000_000_001, [5, 0, 3, 3]))]);
        var bytes = builder.ToArray();

        RecordBatch.Validate(bytes);
        ControlRecords.TryReadMarkerType(bytes).Should().Be(ControlRecordType.Commit, "the key still leads the record");
        using var records = TestBatches.View(bytes).ReadRecords();
        foreach (var record in records)
        {
            Convert.ToHexString(record.Key!.Value.Span).Should().Be("00000001", "a Kafka client reads the key and value only: both unchanged");
            Convert.ToHexString(record.Value!.Value.Span).Should().Be("000000000004");
            ControlRecords.ReadMarker(record).Should().Be(new EndTransactionMarker(ControlRecordType.Commit, 4));
            ControlRecords.TryReadParticipants(record, out var id, out var partitions).Should().BeTrue();
            id.Should().Be(638_999_000_000_000_001);
            partitions.Should().Equal(0, 3, 5);
        }
    }

    [Fact]
    public void TryReadParticipants_MarkerWithoutHeader_False()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { IsControlBatch = true, IsTransactional = true });
        builder.AppendControlRecord(0, ControlRecordType.Abort, 0);
        using var records = TestBatches.View(builder.ToArray()).ReadRecords();
        foreach (var record in records)
        {
            ControlRecords.TryReadParticipants(record, out _, out var partitions).Should().BeFalse();
            partitions.Should().BeEmpty();
        }
    }

    [Fact]
    public void TryAppend_OnControlBatch_Throws()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { IsControlBatch = true });
        var act = () => builder.TryAppend(0, null, null);
        act.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void AppendControlRecord_OnDataBatch_Throws()
    {
        using var builder = new RecordBatchBuilder();
        var act = () => builder.AppendControlRecord(0, ControlRecordType.Commit, 1);
        act.Should().Throw<InvalidOperationException>();
    }

    [Theory]
    [InlineData("00000002", "000000000001")] // type 2 is not a transaction marker
    [InlineData("0000", "000000000001")]     // key too short
    [InlineData("00000001", "0000")]         // value too short
    [InlineData("FFFF0001", "000000000001")] // negative key version
    public void ReadMarker_NotAMarker_ThrowsBadControlRecord(string keyHex, string valueHex)
    {
        var options = new RecordBatchBuilderOptions { IsTransactional = true };
        var bytes = TestBatches.Build([new TestRecord(5, Convert.FromHexString(keyHex), Convert.FromHexString(valueHex), [])], options);

        var act = () =>
        {
            using var records = TestBatches.View(bytes).ReadRecords();
            foreach (var record in records)
            {
                ControlRecords.ReadMarker(record);
            }
        };
        act.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.BadControlRecord);
    }
}
