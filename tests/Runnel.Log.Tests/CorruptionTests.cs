using System.Buffers.Binary;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class CorruptionTests
{
    [Fact]
    public void AnyBatch_AnySingleByteCorrupted_IsRejected()
    {
        // Every byte except baseOffset (0-7) and partitionLeaderEpoch (12-15) must be guarded: those two lie outside
        // the CRC and are the log's to rewrite, so no check can (or should) notice them. batchLength (8-11), magic (16)
        // and the CRC itself (17-20) lie outside the CRC too, but the length, magic and CRC checks catch them.
        var arb = (from input in Generators.Batches(maxCount: 6).Generator
                   from mask in Gen.Choose(1, 255).Select(m => (byte)m)
                   select (input, mask)).ToArbitrary();
        Prop.ForAll(arb, t =>
        {
            var bytes = TestBatches.Build(t.input.Records, t.input.Options);
            for (var position = 8; position < bytes.Length; position++)
            {
                if (position is >= 12 and < 16)
                {
                    continue;
                }

                var corrupt = (byte[])bytes.Clone();
                corrupt[position] ^= t.mask;
                RecordBatch.TryValidate(corrupt, RecordBatchValidationMode.Produce, out var fault)
                    .Should().BeFalse($"byte {position} of {bytes.Length} was XORed with 0x{t.mask:X2}");
                fault.Reason.Should().NotBe(CorruptRecordBatchReason.None);
                fault.ToException().Should().BeOfType<CorruptRecordBatchException>();
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Validate_BaseOffsetOrLeaderEpochChanged_StillPasses()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        RecordBatch.SetBaseOffset(bytes, 77);
        RecordBatch.SetPartitionLeaderEpoch(bytes, 5);

        RecordBatch.Validate(bytes);
        RecordBatchHeader.Read(bytes).PartitionLeaderEpoch.Should().Be(5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(60)]
    [InlineData(70)]
    public void Validate_Truncated_ReportsTruncated(int keep)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        Reject(bytes.AsSpan(0, keep).ToArray(), CorruptRecordBatchReason.Truncated);
    }

    [Fact]
    public void Validate_TrailingBytes_ReportsLengthMismatch()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        Reject([.. bytes, 0], CorruptRecordBatchReason.LengthMismatch).Message.Should().Contain("1 more");
    }

    [Fact]
    public void Validate_BatchLengthBelowHeader_ReportsLengthMismatch()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 48);
        Reject(bytes, CorruptRecordBatchReason.LengthMismatch).Message.Should().Contain("48");
    }

    [Fact]
    public void Validate_BatchLengthThatLiesWithAConsistentCrc_IsRejected()
    {
        // Shorten the batch by one byte and make batchLength and the CRC agree with the shorter bytes: only the
        // record walk can tell, because the last record now runs past the end.
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        var shorter = bytes.AsSpan(0, bytes.Length - 1).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(shorter.AsSpan(8), shorter.Length - 12);
        TestBatches.ReCrc(shorter);

        Reject(shorter, CorruptRecordBatchReason.LengthMismatch);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(255)]
    public void Validate_WrongMagic_ReportsBadMagic(byte magic)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        bytes[16] = magic;
        Reject(bytes, CorruptRecordBatchReason.BadMagic).Message.Should().Contain("Magic is");
    }

    [Fact]
    public void Validate_WrongCrc_NamesBothCrcs()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        var good = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(17));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(17), good ^ 1);

        var ex = Reject(bytes, CorruptRecordBatchReason.BadCrc);
        ex.Message.Should().Contain($"0x{good ^ 1:X8}").And.Contain($"0x{good:X8}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(1000)]
    public void Validate_RecordCountThatLies_ReportsRecordCountMismatch(int lie)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1), TestBatches.Simple(2)]);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 3 + lie);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 3 + lie - 1);
        TestBatches.ReCrc(bytes);

        Reject(bytes, CorruptRecordBatchReason.RecordCountMismatch).Message.Should().Contain($"{3 + lie} records");
    }

    [Fact]
    public void Validate_NegativeRecordCount_ReportsRecordCountMismatch()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), -1);
        Reject(TestBatches.ReCrc(bytes), CorruptRecordBatchReason.RecordCountMismatch);
    }

    [Fact]
    public void Validate_CompressedRecordCountThatLies_ReportsRecordCountMismatch()
    {
        var options = new RecordBatchBuilderOptions { Compression = CompressionCodec.Gzip };
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)], options);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 3);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 2);
        Reject(TestBatches.ReCrc(bytes), CorruptRecordBatchReason.RecordCountMismatch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Validate_LastOffsetDeltaThatLies_ReportsOffsetDeltaMismatch(int lie)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 1 + lie);
        TestBatches.ReCrc(bytes);

        Reject(bytes, CorruptRecordBatchReason.OffsetDeltaMismatch);
        // Compaction may leave a gap at the end, so a stored batch may have a larger lastOffsetDelta.
        RecordBatch.Validate(bytes, RecordBatchValidationMode.Stored);
    }

    [Fact]
    public void Validate_RecordOffsetDeltasOutOfOrder_ReportsOffsetDeltaMismatch()
    {
        // Two records, offsetDeltas 1 then 0.
        byte[] records = [0x0C, 0x00, 0x00, 0x02, 0x01, 0x01, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00];
        var bytes = TestBatches.Assemble(records, recordCount: 2, lastOffsetDelta: 1);

        Reject(bytes, CorruptRecordBatchReason.OffsetDeltaMismatch);
        var act = () => RecordBatch.Validate(bytes, RecordBatchValidationMode.Stored);
        act.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.OffsetDeltaMismatch);
    }

    [Fact]
    public void Validate_CompactedStoredBatch_PassesStoredModeOnly()
    {
        // Records at offsetDeltas 0 and 2 (1 compacted away), lastOffsetDelta 3 (3 compacted away too).
        byte[] records = [0x0C, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x0C, 0x00, 0x00, 0x04, 0x01, 0x01, 0x00];
        var bytes = TestBatches.Assemble(records, recordCount: 2, lastOffsetDelta: 3, baseOffset: 10);

        RecordBatch.Validate(bytes, RecordBatchValidationMode.Stored);
        Reject(bytes, CorruptRecordBatchReason.OffsetDeltaMismatch);
        TestBatches.ReadOffsets(TestBatches.View(bytes)).Should().Equal(10, 12);
    }

    [Fact]
    public void Validate_EmptyBatch_RejectedWhenProducedAcceptedWhenStored()
    {
        var bytes = TestBatches.Assemble([], recordCount: 0, lastOffsetDelta: 4);
        Reject(bytes, CorruptRecordBatchReason.EmptyBatch);
        RecordBatch.Validate(bytes, RecordBatchValidationMode.Stored);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Validate_UndefinedCodec_ReportsUnknownCodec(short codec)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), codec);
        Reject(TestBatches.ReCrc(bytes), CorruptRecordBatchReason.UnknownCodec).Message.Should().Contain($"codec id {codec}");
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip, "gzip")]
    [InlineData(CompressionCodec.Snappy, "snappy")]
    [InlineData(CompressionCodec.Lz4, "lz4")]
    [InlineData(CompressionCodec.Zstd, "zstd")]
    public void Validate_PlainRecordsLabelledCompressed_ReportsDecompressionFailedNamingTheCodec(CompressionCodec codec, string name)
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), (short)codec);
        TestBatches.ReCrc(bytes);

        Reject(bytes, CorruptRecordBatchReason.DecompressionFailed).Message.Should().Contain(name);
        var read = () => TestBatches.View(bytes).ReadRecords();
        read.Should().Throw<CorruptRecordBatchException>();
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public void Validate_CompressedDataCutShort_ReportsACorruptBatch(CompressionCodec codec)
    {
        var records = Enumerable.Range(0, 50).Select(i => new TestRecord(i, null, Enumerable.Range(0, 300).Select(b => (byte)(b * i)).ToArray(), [])).ToArray();
        var full = TestBatches.Build(records, new RecordBatchBuilderOptions { Compression = codec });
        var data = full.AsSpan(RecordBatch.HeaderSize).ToArray();
        var cut = TestBatches.Assemble(data[..(data.Length / 2)], records.Length, records.Length - 1, attributes: (short)codec);

        var act = () => RecordBatch.Validate(cut);
        act.Should().Throw<CorruptRecordBatchException>();
    }

    [Theory]
    [InlineData("0E00FFFFFFFFFFFFFFFFFF01")] // a 7-byte record whose timestampDelta varlong runs past its end
    [InlineData("1400008080808080000000")]   // offsetDelta varint with a continuation bit on its fifth byte (overlong)
    [InlineData("80")]                       // a record length varint cut off by the end of the batch
    public void Validate_BadVarintInRecord_ReportsBadVarintOrLength(string recordsHex)
    {
        var bytes = TestBatches.Assemble(Convert.FromHexString(recordsHex), recordCount: 1, lastOffsetDelta: 0);
        var act = () => RecordBatch.Validate(bytes);
        act.Should().Throw<CorruptRecordBatchException>()
            .Which.Reason.Should().BeOneOf(CorruptRecordBatchReason.BadVarint, CorruptRecordBatchReason.LengthMismatch);
    }

    [Fact]
    public void Validate_OverlongVarintInRecord_ReportsBadVarint()
    {
        // timestampDelta as ten 0xFF bytes: the tenth byte carries a continuation bit, which no varlong may.
        var body = new byte[] { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x01, 0x01, 0x00 };
        var records = new byte[] { (byte)(body.Length * 2) }.Concat(body).ToArray();
        Reject(TestBatches.Assemble(records, 1, 0), CorruptRecordBatchReason.BadVarint).Message.Should().Contain("timestampDelta");
    }

    [Theory]
    [InlineData("0A0000000101")]             // declares 5 bytes: below the 6-byte minimum
    [InlineData("1000000001010000")]         // declares 8 bytes, only 7 follow
    [InlineData("0E0000000101000000")]       // declares 7 bytes, its fields take 6
    [InlineData("0C00000008AA00")]           // key of 4 bytes runs past the record
    [InlineData("0C000000050100")]           // key length -3
    [InlineData("0C000000010102")]           // one header declared, none present
    [InlineData("0E00000001010201AA")]       // header with a null (-1) key
    public void Validate_RecordLengthsThatLie_ReportsLengthMismatch(string recordsHex)
    {
        var bytes = TestBatches.Assemble(Convert.FromHexString(recordsHex), recordCount: 1, lastOffsetDelta: 0);
        Reject(bytes, CorruptRecordBatchReason.LengthMismatch);
    }

    [Fact]
    public void Validate_GarbageSnappyData_ReportsDecompressionFailed()
    {
        var bytes = TestBatches.Assemble([0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2],
            recordCount: 1, lastOffsetDelta: 0, attributes: (short)CompressionCodec.Snappy);
        Reject(bytes, CorruptRecordBatchReason.DecompressionFailed);
    }

    [Fact]
    public void Validate_NotGzipData_ReportsDecompressionFailed()
    {
        var bytes = TestBatches.Assemble([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC],
            recordCount: 1, lastOffsetDelta: 0, attributes: (short)CompressionCodec.Gzip);
        Reject(bytes, CorruptRecordBatchReason.DecompressionFailed);
    }

    [Fact]
    public void Validate_TruncatedGzipStreamWithConsistentCrc_IsRejected()
    {
        // .NET's inflater ends quietly at the end of its input, so a gzip stream cut short is caught by the record walk.
        var options = new RecordBatchBuilderOptions { Compression = CompressionCodec.Gzip };
        var bytes = TestBatches.Build(Enumerable.Range(0, 20).Select(i => TestBatches.Simple(i)), options);
        var cut = bytes.AsSpan(0, bytes.Length - 30).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(cut.AsSpan(8), cut.Length - 12);
        TestBatches.ReCrc(cut);

        var act = () => RecordBatch.Validate(cut);
        act.Should().Throw<CorruptRecordBatchException>();
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public void Validate_DecompressionBomb_ReportsDecompressedTooLarge(CompressionCodec codec)
    {
        using var compressed = new MemoryStream();
        using (Stream encoder = codec switch
        {
            CompressionCodec.Gzip => new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true),
            CompressionCodec.Lz4 => K4os.Compression.LZ4.Streams.LZ4Stream.Encode(compressed, leaveOpen: true),
            _ => new ZstdSharp.CompressionStream(compressed, 1, leaveOpen: true),
        })
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i <= RecordBatch.MaxDecompressedBytes / zeros.Length; i++)
            {
                encoder.Write(zeros);
            }
        }

        var bytes = TestBatches.Assemble(compressed.ToArray(), recordCount: 1, lastOffsetDelta: 0, attributes: (short)codec);
        Reject(bytes, CorruptRecordBatchReason.DecompressedTooLarge).Message.Should().Contain($"{RecordBatch.MaxDecompressedBytes}");
    }

    [Fact]
    public void ReadRecords_CountThatLiesInUnvalidatedBatch_ThrowsWhileEnumerating()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)]);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 3);

        var act = () => TestBatches.ReadAll(TestBatches.View(bytes));
        act.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.RecordCountMismatch);

        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 1);
        act.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.RecordCountMismatch);
    }

    [Fact]
    public void Reader_CorruptCrc_Throws_UnlessCrcCheckIsOff()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        bytes[^1] ^= 0x40;

        var read = () =>
        {
            foreach (var _ in new RecordBatchReader(bytes))
            {
            }
        };
        read.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.BadCrc);

        var count = 0;
        foreach (var _ in new RecordBatchReader(bytes, verifyCrc: false))
        {
            count++;
        }

        count.Should().Be(1);
    }

    [Fact]
    public void Reader_BufferEndsInsideABatch_ThrowsTruncated()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        var buffer = bytes.Concat(bytes.Take(30)).ToArray();

        var batches = 0;
        var read = () =>
        {
            foreach (var _ in new RecordBatchReader(buffer))
            {
                batches++;
            }
        };
        read.Should().Throw<CorruptRecordBatchException>().Which.Reason.Should().Be(CorruptRecordBatchReason.Truncated);
        batches.Should().Be(1);
    }

    private static CorruptRecordBatchException Reject(byte[] bytes, CorruptRecordBatchReason reason)
    {
        RecordBatch.TryValidate(bytes, RecordBatchValidationMode.Produce, out var fault).Should().BeFalse();
        fault.Reason.Should().Be(reason, fault.Message);
        var act = () => RecordBatch.Validate(bytes);
        var ex = act.Should().Throw<CorruptRecordBatchException>().Which;
        ex.Reason.Should().Be(reason);
        ex.Code.Should().Be(RunnelErrorCode.CorruptRecordBatch);
        ex.IsRetriable.Should().BeFalse();
        return ex;
    }
}
