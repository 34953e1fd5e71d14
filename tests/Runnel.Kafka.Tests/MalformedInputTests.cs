using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Kafka.Internal;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>Broken bytes end in <see cref="KafkaProtocolException"/> (which closes the connection), never in another
/// exception, an allocation the frame does not pay for, or a request that runs.</summary>
public sealed class MalformedInputTests
{
    /// <summary>A request body of every API at its highest version, with a decoder for it (every API ApiVersions offers:
    /// <see cref="Apis_CoverEveryAdvertisedApi"/>).</summary>
    public static TheoryData<string> Apis => new(ApiNames);

    private static readonly string[] ApiNames =
    [
        "ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "InitProducerId", "CreateTopics", "DeleteTopics",
        "FindCoordinator", "OffsetCommit", "OffsetFetch", "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup", "ListGroups", "DescribeGroups", "DeleteGroups",
        "DeleteRecords", "CreatePartitions", "DescribeConfigs", "IncrementalAlterConfigs",
        "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit", "ConsumerGroupHeartbeat", "ConsumerGroupDescribe",
    ];

    [Theory]
    [MemberData(nameof(Apis))]
    public void Request_TruncatedAtEveryLength_ThrowsOnlyProtocolException(string api)
    {
        var (bytes, decode) = Sample(api);
        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            var act = () => decode(cut);
            act.Should().Throw<KafkaProtocolException>($"{api} cut to {length} of {bytes.Length} bytes");
        }

        decode(bytes); // whole: decodes
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public void Request_RandomByteFlips_DecodeOrThrowProtocolExceptionOnly(string api)
    {
        var (bytes, decode) = Sample(api);
        var random = new Random(20);
        for (var i = 0; i < 2000; i++)
        {
            var broken = bytes.ToArray();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                broken[random.Next(broken.Length)] = (byte)random.Next(256);
            }

            try
            {
                decode(broken);
            }
            catch (KafkaProtocolException)
            {
                // refused: the connection would close
            }
        }
    }

    [Fact]
    public void Apis_CoverEveryAdvertisedApi()
    {
        ApiNames.Should().BeEquivalentTo(ApiVersionTable.Supported.Select(r => r.Key.ToString()));
    }

    [Fact]
    public void ApiVersionTable_ListsExactlyTheHandledApisAndVersions()
    {
        // What librdkafka 2.16 negotiates, each capped at the highest version implemented (OffsetCommit v9 / OffsetFetch
        // v9 are KIP-848's; ConsumerGroupHeartbeat v1 is what librdkafka 2.16 requires).
        ApiVersionTable.Supported.Select(r => (r.Key, r.Min, r.Max)).Should().BeEquivalentTo(new (ApiKey, short, short)[]
        {
            (ApiKey.Produce, 3, 10), (ApiKey.Fetch, 4, 12), (ApiKey.ListOffsets, 1, 6), (ApiKey.Metadata, 1, 12),
            (ApiKey.OffsetCommit, 2, 9), (ApiKey.OffsetFetch, 1, 9), (ApiKey.FindCoordinator, 0, 2),
            (ApiKey.JoinGroup, 0, 5), (ApiKey.Heartbeat, 0, 3), (ApiKey.LeaveGroup, 0, 1), (ApiKey.SyncGroup, 0, 3),
            (ApiKey.DescribeGroups, 0, 4), (ApiKey.ListGroups, 0, 5), (ApiKey.ApiVersions, 0, 4),
            (ApiKey.CreateTopics, 0, 7), (ApiKey.DeleteTopics, 0, 5), (ApiKey.InitProducerId, 0, 4), (ApiKey.DeleteGroups, 0, 2),
            (ApiKey.DeleteRecords, 0, 2), (ApiKey.CreatePartitions, 0, 3), (ApiKey.DescribeConfigs, 0, 4), (ApiKey.IncrementalAlterConfigs, 0, 1),
            (ApiKey.AddPartitionsToTxn, 0, 3), (ApiKey.AddOffsetsToTxn, 0, 3), (ApiKey.EndTxn, 0, 3), (ApiKey.TxnOffsetCommit, 0, 3),
            (ApiKey.ConsumerGroupHeartbeat, 0, 1), (ApiKey.ConsumerGroupDescribe, 0, 0),
        });
    }

    [Fact]
    public void ReadArrayLength_CountLargerThanRemainingBytes_ThrowsBeforeAllocating()
    {
        var act = () =>
        {
            var reader = new KafkaReader(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2 });
            return reader.ReadArrayLength(compact: false);
        };
        act.Should().Throw<KafkaProtocolException>().WithMessage("*2147483647 elements in 2 remaining bytes*");
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, "*longer than 5 bytes*")]
    [InlineData(new byte[] { 0x80 }, "*ends inside a varint*")]
    public void ReadUnsignedVarInt_Malformed_Throws(byte[] bytes, string message)
    {
        var act = () =>
        {
            var reader = new KafkaReader(bytes);
            return reader.ReadUnsignedVarInt();
        };
        act.Should().Throw<KafkaProtocolException>().WithMessage(message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })] // int16 length -2
    [InlineData(new byte[] { 0x00, 0x05, (byte)'a' })] // runs past the end
    [InlineData(new byte[] { 0x00, 0x02, 0xC3, 0x28 })] // not UTF-8
    public void ReadNullableString_Malformed_Throws(byte[] bytes)
    {
        var act = () =>
        {
            var reader = new KafkaReader(bytes);
            return reader.ReadNullableString(compact: false);
        };
        act.Should().Throw<KafkaProtocolException>();
    }

    [Fact]
    public void SkipTaggedFields_TagsOutOfOrder_Throws()
    {
        var act = () =>
        {
            var reader = new KafkaReader(new byte[] { 2, 5, 0, 3, 0 });
            reader.SkipTaggedFields();
        };
        act.Should().Throw<KafkaProtocolException>().WithMessage("*ascending*");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2048)]
    public void TryCutFrame_SizeOutsideLimit_Throws(int size)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, size);
        var act = () =>
        {
            var buffer = new ReadOnlySequence<byte>(bytes);
            return KafkaConnection.TryCutFrame(ref buffer, 1024, out _);
        };
        act.Should().Throw<KafkaProtocolException>().WithMessage("*MaxRequestBytes*");
    }

    [Fact]
    public void TryCutFrame_PartialThenWhole_CutsOnlyWhenComplete()
    {
        var bytes = new byte[] { 0, 0, 0, 3, 1, 2, 3, 0, 0 };
        var partial = new ReadOnlySequence<byte>(bytes, 0, 6);
        KafkaConnection.TryCutFrame(ref partial, 1024, out _).Should().BeFalse();
        var whole = new ReadOnlySequence<byte>(bytes);
        KafkaConnection.TryCutFrame(ref whole, 1024, out var frame).Should().BeTrue();
        frame.ToArray().Should().Equal(1, 2, 3);
        whole.Length.Should().Be(2, "the next frame's first bytes stay");
    }

    [Fact]
    public void Handler_UnknownApiKey_ThrowsProtocolException()
    {
        Action act = () => Start(new RequestHeader(999, 0, 1, "x"), []);
        act.Should().Throw<KafkaProtocolException>().WithMessage("*999*");
    }

    [Fact]
    public void Handler_UnsupportedProduceVersion_ThrowsProtocolException()
    {
        Action act = () => Start(new RequestHeader((short)ApiKey.Produce, 2, 1, "x"), []);
        act.Should().Throw<KafkaProtocolException>().WithMessage("*Produce v2 is not supported*");
    }

    [Fact]
    public async Task Handler_UnsupportedApiVersionsVersion_AnswersV0WithUnsupportedVersionAndTheList()
    {
        using var frame = await Start(new RequestHeader((short)ApiKey.ApiVersions, 99, 7, "x"), []);
        var response = CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => w.WriteRaw(frame!.Segments.Single().Span[8..]), (ref KafkaReader r) => ApiVersionsApi.Response.Read(ref r, 0));
        response.ErrorCode.Should().Be(KafkaErrorCode.UnsupportedVersion);
        response.ApiKeys.Should().HaveCount(ApiVersionTable.Supported.Count);
    }

    private static Task<ResponseFrame?> Start(RequestHeader header, byte[] body)
    {
        var handler = new KafkaRequestHandler(new NoGrains(), new BrokerIdentity(1, "127.0.0.1", 9092, "test"), new KafkaListenerOptions(), NullLogger.Instance);
        var reader = new KafkaReader(body);
        return handler.Start(header, ref reader);
    }

    private static (byte[] Bytes, Action<byte[]> Decode) Sample(string api)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(buffer);
        Action<byte[]> decode;
        switch (api)
        {
            case "ApiVersions":
                new ApiVersionsApi.Request { ClientSoftwareName = "n", ClientSoftwareVersion = "1" }.Write(ref writer, ApiVersionsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ApiVersionsApi.Request.Read(ref r, ApiVersionsApi.MaxVersion); };
                break;
            case "Metadata":
                new MetadataApi.Request { Topics = ["orders"] }.Write(ref writer, MetadataApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); MetadataApi.Request.Read(ref r, MetadataApi.MaxVersion); };
                break;
            case "Produce":
                var produce = new ProduceApi.Request();
                produce.Topics.Add(new ProduceApi.TopicData("orders", [new ProduceApi.PartitionData(0, new ReadOnlySequence<byte>(SampleBatches.Create("m")))]));
                produce.Write(ref writer, ProduceApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ProduceApi.Request.Read(ref r, ProduceApi.MaxVersion); };
                break;
            case "Fetch":
                var fetch = new FetchApi.Request();
                fetch.Topics.Add(new FetchApi.TopicRequest("orders", [new FetchApi.PartitionRequest(0, -1, 0, -1, 1000)]));
                fetch.Write(ref writer, FetchApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); FetchApi.Request.Read(ref r, FetchApi.MaxVersion); };
                break;
            case "ListOffsets":
                var list = new ListOffsetsApi.Request();
                list.Topics.Add(new ListOffsetsApi.TopicRequest("orders", [new ListOffsetsApi.PartitionRequest(0, -1, -1)]));
                list.Write(ref writer, ListOffsetsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ListOffsetsApi.Request.Read(ref r, ListOffsetsApi.MaxVersion); };
                break;
            case "InitProducerId":
                new InitProducerIdApi.Request { TransactionTimeoutMs = 1 }.Write(ref writer, InitProducerIdApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); InitProducerIdApi.Request.Read(ref r, InitProducerIdApi.MaxVersion); };
                break;
            case "AddPartitionsToTxn":
                var addPartitions = new AddPartitionsToTxnApi.Request { TransactionalId = "tid", ProducerId = 7, ProducerEpoch = 1 };
                addPartitions.Topics.Add(new AddPartitionsToTxnApi.Topic("orders", [0, 1]));
                addPartitions.Write(ref writer, AddPartitionsToTxnApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); AddPartitionsToTxnApi.Request.Read(ref r, AddPartitionsToTxnApi.MaxVersion); };
                break;
            case "AddOffsetsToTxn":
                new AddOffsetsToTxnApi.Request { TransactionalId = "tid", ProducerId = 7, ProducerEpoch = 1, GroupId = "g" }.Write(ref writer, AddOffsetsToTxnApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); AddOffsetsToTxnApi.Request.Read(ref r, AddOffsetsToTxnApi.MaxVersion); };
                break;
            case "EndTxn":
                new EndTxnApi.Request { TransactionalId = "tid", ProducerId = 7, ProducerEpoch = 1, Committed = true }.Write(ref writer, EndTxnApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); EndTxnApi.Request.Read(ref r, EndTxnApi.MaxVersion); };
                break;
            case "TxnOffsetCommit":
                var txnCommit = new TxnOffsetCommitApi.Request { TransactionalId = "tid", GroupId = "g", ProducerId = 7, ProducerEpoch = 1, GenerationId = 3, MemberId = "m" };
                txnCommit.Topics.Add(new TxnOffsetCommitApi.Topic("orders", [new TxnOffsetCommitApi.Partition(0, 10, -1, "meta")]));
                txnCommit.Write(ref writer, TxnOffsetCommitApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); TxnOffsetCommitApi.Request.Read(ref r, TxnOffsetCommitApi.MaxVersion); };
                break;
            case "CreateTopics":
                var create = new CreateTopicsApi.Request();
                create.Topics.Add(new CreateTopicsApi.Topic("orders", 3, 1, 0, [new("retention.ms", "1")]));
                create.Write(ref writer, CreateTopicsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); CreateTopicsApi.Request.Read(ref r, CreateTopicsApi.MaxVersion); };
                break;
            case "FindCoordinator":
                new FindCoordinatorApi.Request { Key = "g" }.Write(ref writer, FindCoordinatorApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); FindCoordinatorApi.Request.Read(ref r, FindCoordinatorApi.MaxVersion); };
                break;
            case "OffsetCommit":
                var commit = new OffsetCommitApi.Request { GroupId = "g", GenerationId = 3, MemberId = "m", GroupInstanceId = "i" };
                commit.Topics.Add(new OffsetCommitApi.TopicRequest("orders", [new OffsetCommitApi.PartitionRequest(0, 42, -1, "meta")]));
                commit.Write(ref writer, OffsetCommitApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); OffsetCommitApi.Request.Read(ref r, OffsetCommitApi.MaxVersion); };
                break;
            case "OffsetFetch":
                var offsetFetch = new OffsetFetchApi.Request { RequireStable = true };
                offsetFetch.Groups.Add(new OffsetFetchApi.GroupRequest("g", [new OffsetFetchApi.TopicRequest("orders", [0, 1])]) { MemberId = "m", MemberEpoch = 4 });
                offsetFetch.Write(ref writer, OffsetFetchApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); OffsetFetchApi.Request.Read(ref r, OffsetFetchApi.MaxVersion); };
                break;
            case "JoinGroup":
                var join = new JoinGroupApi.Request { GroupId = "g", SessionTimeoutMs = 10_000, RebalanceTimeoutMs = 30_000, MemberId = "", ProtocolType = "consumer" };
                join.Protocols.Add(new JoinGroupApi.Protocol("range", [0, 1, 2]));
                join.Write(ref writer, JoinGroupApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); JoinGroupApi.Request.Read(ref r, JoinGroupApi.MaxVersion); };
                break;
            case "SyncGroup":
                var sync = new SyncGroupApi.Request { GroupId = "g", GenerationId = 1, MemberId = "m" };
                sync.Assignments.Add(new SyncGroupApi.Assignment("m", [0, 1]));
                sync.Write(ref writer, SyncGroupApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); SyncGroupApi.Request.Read(ref r, SyncGroupApi.MaxVersion); };
                break;
            case "Heartbeat":
                new HeartbeatApi.Request { GroupId = "g", GenerationId = 1, MemberId = "m" }.Write(ref writer, HeartbeatApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); HeartbeatApi.Request.Read(ref r, HeartbeatApi.MaxVersion); };
                break;
            case "LeaveGroup":
                new LeaveGroupApi.Request { GroupId = "g", MemberId = "m" }.Write(ref writer, LeaveGroupApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); LeaveGroupApi.Request.Read(ref r, LeaveGroupApi.MaxVersion); };
                break;
            case "ListGroups":
                var listGroups = new ListGroupsApi.Request();
                listGroups.StatesFilter.Add("Stable");
                listGroups.TypesFilter.Add("classic");
                listGroups.Write(ref writer, ListGroupsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ListGroupsApi.Request.Read(ref r, ListGroupsApi.MaxVersion); };
                break;
            case "DescribeGroups":
                var describe = new DescribeGroupsApi.Request { IncludeAuthorizedOperations = true };
                describe.Groups.Add("g");
                describe.Write(ref writer, DescribeGroupsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); DescribeGroupsApi.Request.Read(ref r, DescribeGroupsApi.MaxVersion); };
                break;
            case "DeleteGroups":
                var deleteGroups = new DeleteGroupsApi.Request();
                deleteGroups.Groups.Add("g");
                deleteGroups.Write(ref writer, DeleteGroupsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); DeleteGroupsApi.Request.Read(ref r, DeleteGroupsApi.MaxVersion); };
                break;
            case "DeleteRecords":
                var deleteRecords = new DeleteRecordsApi.Request();
                deleteRecords.Topics.Add(new DeleteRecordsApi.TopicRequest("orders", [new DeleteRecordsApi.PartitionRequest(0, 10), new DeleteRecordsApi.PartitionRequest(1, -1)]));
                deleteRecords.Write(ref writer, DeleteRecordsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); DeleteRecordsApi.Request.Read(ref r, DeleteRecordsApi.MaxVersion); };
                break;
            case "CreatePartitions":
                var createPartitions = new CreatePartitionsApi.Request { ValidateOnly = true };
                createPartitions.Topics.Add(new CreatePartitionsApi.Topic("orders", 6, null));
                createPartitions.Topics.Add(new CreatePartitionsApi.Topic("pay", 4, 2));
                createPartitions.Write(ref writer, CreatePartitionsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); CreatePartitionsApi.Request.Read(ref r, CreatePartitionsApi.MaxVersion); };
                break;
            case "DescribeConfigs":
                var describeConfigs = new DescribeConfigsApi.Request { IncludeSynonyms = true, IncludeDocumentation = true };
                describeConfigs.Resources.Add(new DescribeConfigsApi.Resource(DescribeConfigsApi.TopicResource, "orders", ["retention.ms", "cleanup.policy"]));
                describeConfigs.Resources.Add(new DescribeConfigsApi.Resource(DescribeConfigsApi.BrokerResource, "0", null));
                describeConfigs.Write(ref writer, DescribeConfigsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); DescribeConfigsApi.Request.Read(ref r, DescribeConfigsApi.MaxVersion); };
                break;
            case "IncrementalAlterConfigs":
                var alter = new IncrementalAlterConfigsApi.Request();
                alter.Resources.Add(new IncrementalAlterConfigsApi.Resource(DescribeConfigsApi.TopicResource, "orders",
                    [new IncrementalAlterConfigsApi.ConfigChange("retention.ms", IncrementalAlterConfigsApi.Set, "1000"), new IncrementalAlterConfigsApi.ConfigChange("segment.bytes", IncrementalAlterConfigsApi.Delete, null)]));
                alter.Write(ref writer, IncrementalAlterConfigsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); IncrementalAlterConfigsApi.Request.Read(ref r, IncrementalAlterConfigsApi.MaxVersion); };
                break;
            case "ConsumerGroupHeartbeat":
                var heartbeat = new ConsumerGroupHeartbeatApi.Request
                {
                    GroupId = "g", MemberId = "m", MemberEpoch = 3, InstanceId = "i", RebalanceTimeoutMs = 30000, SubscribedTopicNames = ["orders"],
                    SubscribedTopicRegex = "ord.*", ServerAssignor = "uniform", Owned = [new ConsumerGroupHeartbeatApi.TopicPartitions(Guid.NewGuid(), [0, 2])],
                };
                heartbeat.Write(ref writer, ConsumerGroupHeartbeatApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ConsumerGroupHeartbeatApi.Request.Read(ref r, ConsumerGroupHeartbeatApi.MaxVersion); };
                break;
            case "ConsumerGroupDescribe":
                var describeConsumer = new ConsumerGroupDescribeApi.Request();
                describeConsumer.GroupIds.AddRange(["g1", "g2"]);
                describeConsumer.Write(ref writer, ConsumerGroupDescribeApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); ConsumerGroupDescribeApi.Request.Read(ref r, ConsumerGroupDescribeApi.MaxVersion); };
                break;
            default:
                var delete = new DeleteTopicsApi.Request();
                delete.TopicNames.Add("orders");
                delete.Write(ref writer, DeleteTopicsApi.MaxVersion);
                decode = b => { var r = new KafkaReader(b); DeleteTopicsApi.Request.Read(ref r, DeleteTopicsApi.MaxVersion); };
                break;
        }

        return (buffer.WrittenMemory.ToArray(), decode);
    }

    /// <summary>A grain factory for tests that must not reach a grain.</summary>
    private sealed class NoGrains() : DelegatingGrainFactory(null)
    {
        public override TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null) =>
            throw new InvalidOperationException($"No grain calls expected ({typeof(TGrainInterface).Name} {primaryKey}).");
    }
}
