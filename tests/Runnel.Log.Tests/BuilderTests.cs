using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using K4os.Compression.LZ4.Streams;
using Snappier;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class BuilderTests
{
    [Fact]
    public void TryAppend_PastMaxBatchBytes_ReturnsFalseAndKeepsTheBatch()
    {
        var options = new RecordBatchBuilderOptions { MaxBatchBytes = 200 };
        using var builder = new RecordBatchBuilder(options);
        var value = new byte[40];
        var appended = 0;
        while (builder.TryAppend(1000 + appended, null, value))
        {
            appended++;
        }

        appended.Should().BeGreaterThan(1);
        builder.RecordCount.Should().Be(appended);
        builder.EstimatedSizeInBytes.Should().BeLessThanOrEqualTo(200);
        var bytes = builder.ToArray();
        bytes.Length.Should().Be(builder.EstimatedSizeInBytes);
        RecordBatch.Validate(bytes);
        RecordBatchHeader.Read(bytes).RecordCount.Should().Be(appended);
    }

    [Fact]
    public void TryAppend_RecordLargerThanAnEmptyBatchAllows_ThrowsRecordBatchTooLarge()
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = 100 });
        var act = () => builder.TryAppend(0, null, new byte[100]);
        var ex = act.Should().Throw<RunnelException>().Which;
        ex.Code.Should().Be(RunnelErrorCode.RecordBatchTooLarge);
        ex.Message.Should().Contain("MaxBatchBytes is 100");
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip, "1F8B")]
    [InlineData(CompressionCodec.Snappy, "82534E41505059")]
    [InlineData(CompressionCodec.Lz4, "04224D18")]
    [InlineData(CompressionCodec.Zstd, "28B52FFD")]
    public void EveryCodec_WritesItsFormatSmallerAndRoundTrips(CompressionCodec codec, string magicHex)
    {
        // 200 records of 1 KiB of repeating bytes: more than one lz4 block (64 KiB) and xerial chunk (32 KiB).
        var records = Enumerable.Range(0, 200)
            .Select(i => new TestRecord(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"k{i}"), Enumerable.Repeat((byte)(i % 7), 1024).ToArray(),
                [new TestHeader("h", [(byte)i])]))
            .ToArray();
        var plain = TestBatches.Build(records);
        var bytes = TestBatches.Build(records, new RecordBatchBuilderOptions { Compression = codec });

        RecordBatchHeader.Read(bytes).Compression.Should().Be(codec);
        Convert.ToHexString(bytes.AsSpan(RecordBatch.HeaderSize, magicHex.Length / 2)).Should().Be(magicHex);
        bytes.Length.Should().BeLessThan(plain.Length / 4);
        RecordBatch.Validate(bytes);
        TestBatches.ReadAll(TestBatches.View(bytes)).Should().Equal(records.Select(r => r.Describe()));
    }

    [Fact]
    public void Lz4_WritesKafkasFrame_IndependentBlocksNoChecksums()
    {
        // Kafka's Java reader (KafkaLZ4BlockInputStream) refuses dependent blocks: FLG must be version 01 with the
        // block-independence bit, and BD must name 64 KiB blocks, as Kafka's own writer does.
        var bytes = TestBatches.Build([TestBatches.Simple(0)], new RecordBatchBuilderOptions { Compression = CompressionCodec.Lz4 });
        var frame = bytes.AsSpan(RecordBatch.HeaderSize);
        frame[4].Should().Be(0x60, "FLG: version 01, independent blocks, no checksums, no content size");
        frame[5].Should().Be(0x40, "BD: 64 KiB blocks");
    }

    [Fact]
    public void Lz4_FrameWithContentChecksumAndDependentBlocks_IsReadToo()
    {
        // librdkafka writes LZ4F frames with its own settings: the reader takes any standard frame.
        var records = Enumerable.Range(0, 10).Select(i => TestBatches.Simple(i)).ToArray();
        var plain = TestBatches.Build(records);
        using var output = new MemoryStream();
        using (var lz4 = LZ4Stream.Encode(output, new LZ4EncoderSettings { ChainBlocks = true, ContentChecksum = true, BlockChecksum = true, BlockSize = 256 * 1024 }, leaveOpen: true))
        {
            lz4.Write(plain.AsSpan(RecordBatch.HeaderSize));
        }

        var bytes = TestBatches.Assemble(output.ToArray(), records.Length, records.Length - 1, attributes: (short)CompressionCodec.Lz4);
        RecordBatch.Validate(bytes);
        TestBatches.ReadAll(TestBatches.View(bytes)).Select(r => r.Split(' ')[1..]).Should().BeEquivalentTo(
            records.Select(r => r.Describe().Split(' ')[1..]), o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(67)]
    [InlineData(RecordBatch.MaxBatchBytes + 1)]
    public void Constructor_MaxBatchBytesOutOfRange_Throws(int max)
    {
        var act = () => new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = max });
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(64 * 1024)]
    [InlineData(int.MaxValue)]
    public void InitialBufferBytes_AnySize_TheSameBatchBytes(int initial)
    {
        // The starting size only decides how often the records are copied to grow, never what is written.
        static byte[] Build(RecordBatchBuilderOptions options)
        {
            using var builder = new RecordBatchBuilder(options);
            for (var i = 0; i < 50; i++)
            {
                builder.TryAppend(1_700_000_000_000 + i, null, new byte[700 + i]).Should().BeTrue();
            }

            var output = new ArrayBufferWriter<byte>();
            builder.WriteTo(output);
            return output.WrittenSpan.ToArray();
        }

        Build(new RecordBatchBuilderOptions { InitialBufferBytes = initial, MaxBatchBytes = 256 * 1024 })
            .Should().Equal(Build(new RecordBatchBuilderOptions { MaxBatchBytes = 256 * 1024 }));
    }

    [Fact]
    public void InitialBufferBytes_BelowOne_RefusedNamingTheOption()
    {
        var act = () => new RecordBatchBuilder(new RecordBatchBuilderOptions { InitialBufferBytes = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("options.InitialBufferBytes");
    }

    [Fact]
    public void WriteTo_NoRecords_Throws()
    {
        using var builder = new RecordBatchBuilder();
        var act = () => builder.WriteTo(new ArrayBufferWriter<byte>());
        act.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void WriteTo_AfterDispose_Throws()
    {
        var builder = new RecordBatchBuilder();
        builder.TryAppend(0, null, null);
        builder.Dispose();
        var act = () => builder.WriteTo(new ArrayBufferWriter<byte>());
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void WriteTo_BufferWriter_AppendsAfterExistingContent()
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(5, "a"u8.ToArray(), "b"u8.ToArray());
        var output = new ArrayBufferWriter<byte>();
        output.Write(new byte[] { 1, 2, 3 });

        var written = builder.WriteTo(output);

        output.WrittenCount.Should().Be(3 + written);
        output.WrittenSpan[3..].ToArray().Should().Equal(builder.ToArray());
    }

    [Fact]
    public void Snappy_WritesXerialFramingInChunks_AndRoundTrips()
    {
        // 100 records of 1 KiB: ~100 KiB of records, so several 32 KiB xerial chunks.
        var records = Enumerable.Range(0, 100)
            .Select(i => new TestRecord(1000 + i, Encoding.UTF8.GetBytes($"k{i}"), Enumerable.Repeat((byte)(i % 7), 1024).ToArray(), []))
            .ToArray();
        var bytes = TestBatches.Build(records, new RecordBatchBuilderOptions { Compression = CompressionCodec.Snappy });

        var data = bytes.AsSpan(RecordBatch.HeaderSize);
        Convert.ToHexString(data[..16]).Should().Be("82534E41505059000000000100000001");
        var chunks = 0;
        for (var p = 16; p < data.Length; chunks++)
        {
            p += 4 + BinaryPrimitives.ReadInt32BigEndian(data[p..]);
        }

        chunks.Should().BeGreaterThan(2);
        RecordBatch.Validate(bytes);
        TestBatches.ReadAll(TestBatches.View(bytes)).Should().Equal(records.Select(r => r.Describe()));
    }

    [Fact]
    public void Snappy_RawUnframedBlock_IsReadToo()
    {
        // Some clients (librdkafka) write a raw snappy block with no xerial framing: the reader must accept it.
        var records = Enumerable.Range(0, 10).Select(i => TestBatches.Simple(i)).ToArray();
        var plain = TestBatches.Build(records);
        var raw = Snappy.CompressToArray(plain.AsSpan(RecordBatch.HeaderSize));
        var bytes = TestBatches.Assemble(raw, records.Length, records.Length - 1, attributes: (short)CompressionCodec.Snappy);

        RecordBatch.Validate(bytes);
        var read = TestBatches.ReadAll(TestBatches.View(bytes));
        read.Select(r => r.Split(' ')[1..]).Should().BeEquivalentTo(
            records.Select(r => r.Describe().Split(' ')[1..]), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Gzip_CompressibleRecords_ComeOutSmallerAndRoundTrip()
    {
        var records = Enumerable.Range(0, 50).Select(i => new TestRecord(i, null, new byte[500], [])).ToArray();
        var plain = TestBatches.Build(records);
        var gzip = TestBatches.Build(records, new RecordBatchBuilderOptions { Compression = CompressionCodec.Gzip });

        gzip.Length.Should().BeLessThan(plain.Length / 10);
        gzip[RecordBatch.HeaderSize].Should().Be(0x1F);
        gzip[RecordBatch.HeaderSize + 1].Should().Be(0x8B);
        TestBatches.ReadAll(TestBatches.View(gzip)).Should().Equal(TestBatches.ReadAll(TestBatches.View(plain)));
    }

    [Fact]
    public void Headers_NullAndEmptyValuesAndNonAsciiKeys_AreKeptApart()
    {
        using var builder = new RecordBatchBuilder();
        RecordHeader[] headers = [new("trace-id", new byte[] { 1, 2 }), new("null", null), new("empty", ReadOnlyMemory<byte>.Empty), new("名前", "x"u8.ToArray())];
        builder.TryAppend(10, ReadOnlyMemory<byte>.Empty, null, headers);
        var bytes = builder.ToArray();

        TestBatches.ReadAll(TestBatches.View(bytes)).Should().Equal(
            "ts=10 key=0x value=null headers=[trace-id=0x0102, null=null, empty=0x, 名前=0x78]");
    }

    [Fact]
    public void Records_FromCompressedBatch_AreSlicesOfOneOwnedBuffer()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1)], new RecordBatchBuilderOptions { Compression = CompressionCodec.Gzip });
        using var records = TestBatches.View(bytes).ReadRecords();

        records.Count.Should().Be(2);
        foreach (var record in records)
        {
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.Value!.Value, out var segment).Should().BeTrue();
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(records.RecordBytes, out var whole).Should().BeTrue();
            segment.Array.Should().BeSameAs(whole.Array);
        }
    }

    [Fact]
    public void Records_FromUncompressedBatch_AreSlicesOfTheBatch()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        using var records = TestBatches.View(bytes).ReadRecords();
        foreach (var record in records)
        {
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.Key!.Value, out var segment).Should().BeTrue();
            segment.Array.Should().BeSameAs(bytes);
        }
    }

    [Fact]
    public void LogAppendTime_RecordsTakeTheBatchMaxTimestamp()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0, timestamp: 100), TestBatches.Simple(1, timestamp: 100)]);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 0x08);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(35), 999);
        TestBatches.ReCrc(bytes);

        RecordBatch.Validate(bytes);
        using var records = TestBatches.View(bytes).ReadRecords();
        foreach (var record in records)
        {
            record.Timestamp.Should().Be(999);
        }
    }

    [Fact]
    public void SetBaseOffset_Negative_Throws()
    {
        var bytes = TestBatches.Build([TestBatches.Simple(0)]);
        var act = () => RecordBatch.SetBaseOffset(bytes, -1);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void LastSequence_WrapsAtIntMax()
    {
        var options = new RecordBatchBuilderOptions { ProducerId = 1, ProducerEpoch = 0, BaseSequence = int.MaxValue };
        var bytes = TestBatches.Build([TestBatches.Simple(0), TestBatches.Simple(1), TestBatches.Simple(2)], options);
        RecordBatchHeader.Read(bytes).LastSequence.Should().Be(1);
    }
}
