using System.Buffers;
using System.Buffers.Binary;
using Runnel.Buffers;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>A fetch's record batches are attached to the response frame (sent from the log's buffers, not copied into
/// the frame), the frame's size prefix still counts them, and the pooled buffers go back to their pool once sent.</summary>
public sealed class FetchFrameTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    [Fact]
    public void Attach_PooledBytes_GoOutInPlaceCountInTheSizeAndAreReleasedByDispose()
    {
        var pooled = PooledBuffer.Rent(KafkaWriter.MinAttachBytes);
        pooled.GetSpan().Fill(0xAB);
        var frame = new ResponseFrame(correlationId: 42, flexibleHeader: false);
        var writer = new KafkaWriter(frame);
        writer.WriteInt32(7);
        writer.WriteBytesShared(pooled.Memory, compact: false);
        writer.WriteInt16(9);
        frame.Complete();
        pooled.Release(); // the caller's reference: the frame holds its own

        var wire = frame.Segments.SelectMany(s => s.ToArray()).ToArray();
        wire.Length.Should().Be((int)frame.Length);
        BinaryPrimitives.ReadInt32BigEndian(wire).Should().Be(wire.Length - 4, "the size prefix counts the attached bytes");
        frame.Segments.Select(s => s.Length).Should().Equal(4 + 4 + 4 + 4, KafkaWriter.MinAttachBytes, 2);
        var reader = new KafkaReader(wire.AsMemory(4));
        reader.ReadInt32().Should().Be(42);
        reader.ReadInt32().Should().Be(7);
        reader.ReadBytes(compact: false).ToArray().Should().OnlyContain(b => b == 0xAB).And.HaveCount(KafkaWriter.MinAttachBytes);
        reader.ReadInt16().Should().Be(9);
        pooled.IsReleased.Should().BeFalse("the frame still holds the bytes it sends");

        frame.Dispose();
        pooled.IsReleased.Should().BeTrue("disposing the sent frame releases its reference");
    }

    [Fact]
    public void WriteBytesShared_SmallBytesOrAnotherOutput_AreCopied()
    {
        var small = new byte[KafkaWriter.MinAttachBytes - 1];
        using var frame = new ResponseFrame(correlationId: 1, flexibleHeader: true);
        var writer = new KafkaWriter(frame);
        writer.WriteBytesShared(small, compact: true);
        frame.Complete().Segments.Should().ContainSingle("a small field is copied into the frame");

        var output = new ArrayBufferWriter<byte>();
        var plain = new KafkaWriter(output);
        plain.WriteBytesShared(new byte[KafkaWriter.MinAttachBytes * 2], compact: false);
        output.WrittenCount.Should().Be(4 + KafkaWriter.MinAttachBytes * 2, "an output that is not a frame gets the bytes themselves");
    }

    [Fact]
    public async Task Fetch_OverTheWire_LargeMediumAndSmallBatches_ArriveIntactAndInRequestOrder()
    {
        var topic = "frames-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        await client.CreateTopicAsync(topic, 3);

        // Partition 0 over 64 KiB (written straight to the socket), 1 over 4 KiB (attached, through the pipe), 2 copied.
        byte[][] batches = [SampleBatches.Create("large", records: 100, valueSize: 1024), SampleBatches.Create("medium", records: 8, valueSize: 1024), SampleBatches.Create("small", records: 2)];
        batches[0].Length.Should().BeGreaterThan(64 * 1024);
        batches[1].Length.Should().BeInRange(KafkaWriter.MinAttachBytes, 64 * 1024);
        batches[2].Length.Should().BeLessThan(KafkaWriter.MinAttachBytes);
        var produced = await client.CallAsync(ApiKey.Produce, 9, (ref KafkaWriter w) =>
        {
            var request = new ProduceApi.Request { Acks = -1, TimeoutMs = 10_000 };
            request.Topics.Add(new ProduceApi.TopicData(topic, [.. batches.Select((b, p) => new ProduceApi.PartitionData(p, new ReadOnlySequence<byte>(b)))]));
            request.Write(ref w, 9);
        }, (ref KafkaReader r) => ProduceApi.Response.Read(ref r, 9));
        produced.Topics.Single().Partitions.Should().OnlyContain(p => p.ErrorCode == KafkaErrorCode.None);

        // Two fetches back to back on one connection: each answer must be whole, and they come in request order.
        var first = await client.SendAsync(ApiKey.Fetch, 12, (ref KafkaWriter w) => FetchAll(topic).Write(ref w, 12));
        var second = await client.SendAsync(ApiKey.Fetch, 4, (ref KafkaWriter w) => FetchAll(topic).Write(ref w, 4));
        foreach (var (correlation, version) in new[] { (first, (short)12), (second, (short)4) })
        {
            var frame = await client.ReadFrameAsync() ?? throw new IOException("The broker closed the connection.");
            var response = KafkaWireClient.Decode(frame, correlation, version >= 12, (ref KafkaReader r) => FetchApi.Response.Read(ref r, version));
            var partitions = response.Topics.Single().Partitions;
            partitions.Select(p => p.PartitionIndex).Should().Equal(0, 1, 2);
            foreach (var partition in partitions)
            {
                partition.ErrorCode.Should().Be(KafkaErrorCode.None);
                SampleBatches.ContentHash(partition.Records.Span).Should().Be(SampleBatches.ContentHash(batches[partition.PartitionIndex]));
            }
        }
    }

    [Fact]
    public async Task Fetch_BatchByBatchOnOneConnection_EachAnswerIsTheBatchAndMatchesAFreshConnection()
    {
        var topic = "ahead-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        await client.CreateTopicAsync(topic, 1);
        var batches = Enumerable.Range(0, 6).Select(i => SampleBatches.Create($"b{i}", records: 5, valueSize: 1000)).ToArray();
        foreach (var batch in batches)
        {
            var produced = await client.CallAsync(ApiKey.Produce, 9, (ref KafkaWriter w) =>
            {
                var request = new ProduceApi.Request { Acks = -1, TimeoutMs = 10_000 };
                request.Topics.Add(new ProduceApi.TopicData(topic, [new ProduceApi.PartitionData(0, new ReadOnlySequence<byte>(batch))]));
                request.Write(ref w, 9);
            }, (ref KafkaReader r) => ProduceApi.Response.Read(ref r, 9));
            produced.Topics.Single().Partitions.Single().ErrorCode.Should().Be(KafkaErrorCode.None);
        }

        // A partition max_bytes below two batches: each Fetch takes one, and from the second on it is what the Fetch
        // before read ahead (the listener's default); a fresh connection reads the same offset itself.
        for (var i = 0; i < batches.Length; i++)
        {
            var offset = i * 5L;
            var answer = await FetchOneAsync(client, topic, offset);
            await using var fresh = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
            var expected = await FetchOneAsync(fresh, topic, offset);
            answer.HighWatermark.Should().Be(30);
            SampleBatches.Split(answer.Records).Should().ContainSingle();
            SampleBatches.ContentHash(answer.Records.Span).Should().Be(SampleBatches.ContentHash(batches[i]));
            SampleBatches.BaseOffset(answer.Records.Span).Should().Be(offset);
            answer.Records.ToArray().Should().Equal(expected.Records.ToArray());
        }
    }

    private static async Task<FetchApi.PartitionResponse> FetchOneAsync(KafkaWireClient client, string topic, long offset)
    {
        var response = await client.CallAsync(ApiKey.Fetch, 11, (ref KafkaWriter w) =>
        {
            var request = new FetchApi.Request { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20 };
            request.Topics.Add(new FetchApi.TopicRequest(topic, [new FetchApi.PartitionRequest(0, -1, offset, -1, 6_000)]));
            request.Write(ref w, 11);
        }, (ref KafkaReader r) => FetchApi.Response.Read(ref r, 11));
        var partition = response.Topics.Single().Partitions.Single();
        partition.ErrorCode.Should().Be(KafkaErrorCode.None);
        return partition;
    }

    private static FetchApi.Request FetchAll(string topic)
    {
        var request = new FetchApi.Request { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20 };
        request.Topics.Add(new FetchApi.TopicRequest(topic, [.. Enumerable.Range(0, 3).Select(p => new FetchApi.PartitionRequest(p, -1, 0, -1, 1 << 20))]));
        return request;
    }
}
