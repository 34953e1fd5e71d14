using Runnel.Client.Internal;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests;

/// <summary>How a fetch response is counted (from batch headers) and walked in place by <see cref="ConsumedBatch"/>.</summary>
public sealed class FetchSummaryTests
{
    /// <summary>Batches back to back: the given ones at consecutive offsets from 0.</summary>
    internal static byte[] Response(params byte[][] batches)
    {
        var output = new List<byte>();
        long next = 0;
        foreach (var batch in batches)
        {
            RecordBatch.SetBaseOffset(batch, next);
            var header = RecordBatchHeader.Read(batch);
            next = header.LastOffset + 1;
            output.AddRange(batch);
        }

        return [.. output];
    }

    internal static byte[] Built(int records, CompressionCodec compression = CompressionCodec.None, string tag = "r")
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { Compression = compression, MaxBatchBytes = RecordBatch.MaxBatchBytes });
        for (var i = 0; i < records; i++)
        {
            builder.TryAppend(1_700_000_000_000 + i, null, System.Text.Encoding.UTF8.GetBytes($"{tag}{i}")).Should().BeTrue();
        }

        return builder.ToArray();
    }

    internal static byte[] Marker()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { IsControlBatch = true, IsTransactional = true, ProducerId = 7, ProducerEpoch = 0 });
        builder.AppendControlRecord(1_700_000_000_000, ControlRecordType.Commit, 0);
        return builder.ToArray();
    }

    [Fact]
    public void Of_OffsetInsideFirstBatchAndAControlBatch_CountsRecordsFromTheOffsetWithoutTheMarker()
    {
        var response = Response(Built(5), Marker(), Built(3));

        var summary = FetchSummary.Of(response, offset: 2, checkCrcs: true);

        summary.RecordCount.Should().Be(3 + 3, "records 2-4 of the first batch and 6-8 of the last; the marker at 5 is not a record");
        summary.LastOffset.Should().Be(8);
        summary.NextOffset.Should().Be(9);
        summary.StartOffset.Should().Be(2);
    }

    [Fact]
    public void Of_OnlyAControlBatch_NoRecordsButTheNextOffsetMovesPastIt()
    {
        var summary = FetchSummary.Of(Response(Marker()), offset: 0, checkCrcs: true);

        summary.RecordCount.Should().Be(0);
        summary.NextOffset.Should().Be(1);
    }

    [Fact]
    public void Of_TruncatedResponse_Throws()
    {
        var response = Response(Built(5));

        var act = () => FetchSummary.Of(response.AsMemory(0, response.Length - 1), 0, checkCrcs: true);

        act.Should().Throw<CorruptRecordBatchException>();
    }

    [Fact]
    public void ConsumedBatch_CompressedAndPlainBatchesWithAMarker_WalksTheRecordsInOrder()
    {
        var response = Response(Built(4, CompressionCodec.Gzip, "g"), Marker(), Built(2, tag: "p"));
        var summary = FetchSummary.Of(response, offset: 1, checkCrcs: true);
        var batch = new ConsumedBatch(new TopicPartition("t", 0), response, summary.StartOffset, summary.LastOffset, summary.RecordCount, highWatermark: 7);

        var seen = new List<(long, string)>();
        foreach (var record in batch)
        {
            seen.Add((record.Offset, System.Text.Encoding.UTF8.GetString(record.Value!.Value.Span)));
        }

        seen.Should().Equal((1L, "g1"), (2L, "g2"), (3L, "g3"), (5L, "p0"), (6L, "p1"));
        batch.Count.Should().Be(seen.Count);
    }

    [Fact]
    public void ConsumedBatch_RecordWithABadLength_ThrowsCorruptRecordBatch()
    {
        var response = Response(Built(2));
        response[RecordBatch.HeaderSize] = 0x7F; // the first record's length varint: far past the batch's end
        var batch = new ConsumedBatch(new TopicPartition("t", 0), response, 0, 1, 2, highWatermark: 2);

        var act = () =>
        {
            foreach (var record in batch)
            {
                _ = record.Offset;
            }
        };

        act.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.CorruptRecordBatch);
    }
}
