using System.Buffers;
using System.Buffers.Binary;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>Raw frames against a real silo's Kafka listener: broken ones close their connection and nothing else;
/// pipelined ones are answered in order; a corrupt batch is refused and nothing is appended.</summary>
public sealed class HostileClientTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    public static TheoryData<string, byte[]> BrokenFrames => new()
    {
        { "negative size", [0xFF, 0xFF, 0xFF, 0xFF] },
        { "size over the limit", [0x10, 0x00, 0x00, 0x00, 0, 0, 0, 0] },
        { "unknown api key", Frame(999, 0, [0, 0]) },
        { "unsupported produce version", Frame((short)ApiKey.Produce, 2, [0, 0]) },
        { "truncated metadata body", Frame((short)ApiKey.Metadata, 1, [0, 0, 0, 5]) },
        { "header shorter than its fields", [0, 0, 0, 3, 0, 3, 0] },
    };

    [Theory]
    [MemberData(nameof(BrokenFrames))]
    public async Task BrokenFrame_ConnectionClosed_SiloServesNextClient(string what, byte[] frame)
    {
        await using (var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort))
        {
            await client.SendRawAsync(frame);
            (await client.IsClosedByBrokerAsync()).Should().BeTrue(what);
        }

        silo.HasExited.Should().BeFalse();
        await using var next = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var versions = await next.CallAsync(ApiKey.ApiVersions, 3, (ref KafkaWriter w) => new ApiVersionsApi.Request { ClientSoftwareName = "t", ClientSoftwareVersion = "1" }.Write(ref w, 3),
            (ref KafkaReader r) => ApiVersionsApi.Response.Read(ref r, 3));
        versions.ErrorCode.Should().Be(KafkaErrorCode.None);
        versions.ApiKeys.Select(k => k.Key).Should().Contain([ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.InitProducerId]);
    }

    [Fact]
    public async Task PipelinedRequests_OneWrite_AnsweredInRequestOrder()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var correlations = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            correlations.Add(i % 2 == 0
                ? await client.SendAsync(ApiKey.Metadata, 12, (ref KafkaWriter w) => new MetadataApi.Request { Topics = null }.Write(ref w, 12))
                : await client.SendAsync(ApiKey.ApiVersions, 0, (ref KafkaWriter w) => { }));
        }

        foreach (var correlation in correlations)
        {
            var frame = await client.ReadFrameAsync();
            BinaryPrimitives.ReadInt32BigEndian(frame).Should().Be(correlation);
        }
    }

    [Fact]
    public async Task Produce_CorruptCrc_CorruptMessageAndNothingAppended_Acks0WritesWithoutAnswer()
    {
        var topic = "hostile-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        await client.CreateTopicAsync(topic, 1);

        var corrupt = SampleBatches.Create("crc");
        corrupt[^1] ^= 0xFF; // the CRC covers the records: the last byte breaks it
        var produced = await client.CallAsync(ApiKey.Produce, 9, (ref KafkaWriter w) => ProduceRequest(topic, corrupt, acks: -1).Write(ref w, 9),
            (ref KafkaReader r) => ProduceApi.Response.Read(ref r, 9));
        produced.Topics.Single().Partitions.Single().ErrorCode.Should().Be(KafkaErrorCode.CorruptMessage);
        (await LatestOffsetAsync(client, topic)).Should().Be(0, "a refused batch appends nothing");

        // acks=0: no answer; the next request's answer is the next frame, and the batch is written.
        await client.SendAsync(ApiKey.Produce, 9, (ref KafkaWriter w) => ProduceRequest(topic, SampleBatches.Create("fire-and-forget", records: 3), acks: 0).Write(ref w, 9));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        long latest;
        do
        {
            latest = await LatestOffsetAsync(client, topic);
        }
        while (latest == 0 && DateTime.UtcNow < deadline);

        latest.Should().Be(3);
    }

    private static ProduceApi.Request ProduceRequest(string topic, byte[] batch, short acks)
    {
        var request = new ProduceApi.Request { Acks = acks, TimeoutMs = 10_000 };
        request.Topics.Add(new ProduceApi.TopicData(topic, [new ProduceApi.PartitionData(0, new ReadOnlySequence<byte>(batch))]));
        return request;
    }

    private static async Task<long> LatestOffsetAsync(KafkaWireClient client, string topic)
    {
        var response = await client.CallAsync(ApiKey.ListOffsets, 6, (ref KafkaWriter w) =>
        {
            var request = new ListOffsetsApi.Request();
            request.Topics.Add(new ListOffsetsApi.TopicRequest(topic, [new ListOffsetsApi.PartitionRequest(0, -1, ListOffsetsApi.LatestTimestamp)]));
            request.Write(ref w, 6);
        }, (ref KafkaReader r) => ListOffsetsApi.Response.Read(ref r, 6));
        var partition = response.Topics.Single().Partitions.Single();
        partition.ErrorCode.Should().Be(KafkaErrorCode.None);
        return partition.Offset;
    }

    /// <summary>A frame: size, header v1 (key, version, correlation 1, client id "h"), then <paramref name="body"/>.</summary>
    private static byte[] Frame(short key, short version, byte[] body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(buffer);
        writer.WriteInt32(0);
        new RequestHeader(key, version, 1, "h").Write(ref writer, flexible: false);
        writer.WriteRaw(body);
        var bytes = buffer.WrittenMemory.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        return bytes;
    }
}
