using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Tests;

/// <summary>The transaction APIs' codecs at every offered version, and their error codes frame by frame against a real
/// silo: a bad transaction timeout, an unknown transactional id, and a fenced producer answered as each version
/// expects (INVALID_PRODUCER_EPOCH before KIP-588's versions, PRODUCER_FENCED from them).</summary>
public sealed class TransactionWireTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    public static TheoryData<short> Versions => [0, 1, 2, 3];

    private static string NewId() => "wire-tid-" + Guid.NewGuid().ToString("N")[..10];

    [Theory]
    [MemberData(nameof(Versions))]
    public void Codecs_EveryVersion_RoundTrip(short version)
    {
        var add = new AddPartitionsToTxnApi.Request { TransactionalId = "t", ProducerId = 5, ProducerEpoch = 2 };
        add.Topics.Add(new AddPartitionsToTxnApi.Topic("orders", [0, 3]));
        var addRead = CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => add.Write(ref w, version), (ref KafkaReader r) => AddPartitionsToTxnApi.Request.Read(ref r, version));
        (addRead.TransactionalId, addRead.ProducerId, addRead.ProducerEpoch).Should().Be(("t", 5, 2));
        addRead.Topics.Single().Partitions.Should().Equal(0, 3);
        var addResponse = new TransactionPartitionsResponse();
        addResponse.Topics.Add(new TransactionPartitionsResponse.Topic("orders", [new(0, KafkaErrorCode.ConcurrentTransactions)]));
        CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => addResponse.Write(ref w, version), (ref KafkaReader r) => TransactionPartitionsResponse.Read(ref r, version))
            .Topics.Single().Partitions.Single().Should().Be(new TransactionPartitionsResponse.Partition(0, KafkaErrorCode.ConcurrentTransactions));

        var offsets = new AddOffsetsToTxnApi.Request { TransactionalId = "t", ProducerId = 5, ProducerEpoch = 2, GroupId = "g" };
        CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => offsets.Write(ref w, version), (ref KafkaReader r) => AddOffsetsToTxnApi.Request.Read(ref r, version))
            .GroupId.Should().Be("g");

        var end = new EndTxnApi.Request { TransactionalId = "t", ProducerId = 5, ProducerEpoch = 2, Committed = true };
        var endRead = CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => end.Write(ref w, version), (ref KafkaReader r) => EndTxnApi.Request.Read(ref r, version));
        (endRead.TransactionalId, endRead.ProducerId, endRead.ProducerEpoch, endRead.Committed).Should().Be(("t", 5, 2, true));
        CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => new TransactionResponse { ErrorCode = KafkaErrorCode.ProducerFenced }.Write(ref w, version), (ref KafkaReader r) => TransactionResponse.Read(ref r, version))
            .ErrorCode.Should().Be(KafkaErrorCode.ProducerFenced);

        var commit = new TxnOffsetCommitApi.Request { TransactionalId = "t", GroupId = "g", ProducerId = 5, ProducerEpoch = 2, GenerationId = 4, MemberId = "m", GroupInstanceId = "i" };
        commit.Topics.Add(new TxnOffsetCommitApi.Topic("orders", [new TxnOffsetCommitApi.Partition(1, 99, version >= 2 ? 3 : -1, "meta")]));
        var commitRead = CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => commit.Write(ref w, version), (ref KafkaReader r) => TxnOffsetCommitApi.Request.Read(ref r, version));
        commitRead.Topics.Single().Partitions.Single().Should().Be(commit.Topics[0].Partitions[0]);
        (commitRead.GenerationId, commitRead.MemberId, commitRead.GroupInstanceId).Should().Be(version >= 3 ? (4, "m", "i") : (-1, "", null));
    }

    [Fact]
    public async Task InitProducerId_TransactionTimeoutOutOfRange_InvalidTransactionTimeout_ThenAnIdWithEpochBumpedByEachInit()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var id = NewId();
        (await InitAsync(client, id, timeoutMs: 500)).ErrorCode.Should().Be(KafkaErrorCode.InvalidTransactionTimeout);
        var first = await InitAsync(client, id, timeoutMs: 30_000);
        first.ErrorCode.Should().Be(KafkaErrorCode.None);
        var second = await InitAsync(client, id, timeoutMs: 30_000);
        (second.ErrorCode, second.ProducerId, second.ProducerEpoch).Should().Be((KafkaErrorCode.None, first.ProducerId, (short)(first.ProducerEpoch + 1)));
    }

    [Theory]
    [InlineData(1, (short)KafkaErrorCode.InvalidProducerEpoch)]
    [InlineData(3, (short)KafkaErrorCode.ProducerFenced)]
    public async Task FencedProducer_EndTxnAndAddOffsets_FencedCodeByVersion_UnknownIdIsTransactionalIdNotFound(short version, short fencedCode)
    {
        var fenced = (KafkaErrorCode)fencedCode;
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var id = NewId();
        var old = await InitAsync(client, id, timeoutMs: 30_000);
        (await InitAsync(client, id, timeoutMs: 30_000)).ErrorCode.Should().Be(KafkaErrorCode.None);

        (await EndAsync(client, id, old.ProducerId, old.ProducerEpoch, version)).Should().Be(fenced);
        var added = await client.CallAsync(ApiKey.AddOffsetsToTxn, version,
            (ref KafkaWriter w) => new AddOffsetsToTxnApi.Request { TransactionalId = id, ProducerId = old.ProducerId, ProducerEpoch = old.ProducerEpoch, GroupId = "g" }.Write(ref w, version),
            (ref KafkaReader r) => TransactionResponse.Read(ref r, version));
        added.ErrorCode.Should().Be(fenced);

        (await EndAsync(client, NewId(), 1, 0, version)).Should().Be(KafkaErrorCode.TransactionalIdNotFound);
    }

    [Fact]
    public async Task TxnOffsetCommit_PendingUntilEndTxn_RequireStableOffsetFetchIsUnstableMeanwhile()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var (id, group) = (NewId(), "wire-group-" + Guid.NewGuid().ToString("N")[..8]);
        var producer = await InitAsync(client, id, timeoutMs: 30_000);
        var added = await client.CallAsync(ApiKey.AddOffsetsToTxn, 3,
            (ref KafkaWriter w) => new AddOffsetsToTxnApi.Request { TransactionalId = id, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, GroupId = group }.Write(ref w, 3),
            (ref KafkaReader r) => TransactionResponse.Read(ref r, 3));
        added.ErrorCode.Should().Be(KafkaErrorCode.None);
        var committed = await client.CallAsync(ApiKey.TxnOffsetCommit, 3, (ref KafkaWriter w) =>
        {
            var request = new TxnOffsetCommitApi.Request { TransactionalId = id, GroupId = group, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch };
            request.Topics.Add(new TxnOffsetCommitApi.Topic("orders", [new TxnOffsetCommitApi.Partition(0, 42, -1, null)]));
            request.Write(ref w, 3);
        }, (ref KafkaReader r) => TransactionPartitionsResponse.Read(ref r, 3));
        committed.Topics.Single().Partitions.Single().ErrorCode.Should().Be(KafkaErrorCode.None);

        (await FetchOffsetAsync(client, group, requireStable: true)).Should().Be((KafkaErrorCode.UnstableOffsetCommit, -1L));
        (await FetchOffsetAsync(client, group, requireStable: false)).Should().Be((KafkaErrorCode.None, -1L), "nothing is committed before the transaction ends");

        (await EndAsync(client, id, producer.ProducerId, producer.ProducerEpoch, 3)).Should().Be(KafkaErrorCode.None);
        (await FetchOffsetAsync(client, group, requireStable: true)).Should().Be((KafkaErrorCode.None, 42L));
    }

    private static async Task<(KafkaErrorCode Error, long Offset)> FetchOffsetAsync(KafkaWireClient client, string group, bool requireStable)
    {
        var response = await client.CallAsync(ApiKey.OffsetFetch, 7, (ref KafkaWriter w) =>
        {
            var request = new OffsetFetchApi.Request { RequireStable = requireStable };
            request.Groups.Add(new OffsetFetchApi.GroupRequest(group, [new OffsetFetchApi.TopicRequest("orders", [0])]));
            request.Write(ref w, 7);
        }, (ref KafkaReader r) => ReadOffsetFetchV7(ref r));
        return response;
    }

    /// <summary>OffsetFetch v7's response (flexible): the one partition's error and offset.</summary>
    private static (KafkaErrorCode, long) ReadOffsetFetchV7(ref KafkaReader r)
    {
        r.ReadInt32(); // throttle
        r.ReadArrayLength(compact: true).Should().Be(1);
        r.ReadString(compact: true);
        r.ReadArrayLength(compact: true).Should().Be(1);
        r.ReadInt32();
        var offset = r.ReadInt64();
        r.ReadInt32(); // leader epoch
        r.ReadNullableString(compact: true);
        var error = (KafkaErrorCode)r.ReadInt16();
        r.SkipTaggedFields(); // partition
        r.SkipTaggedFields(); // topic
        ((KafkaErrorCode)r.ReadInt16()).Should().Be(KafkaErrorCode.None, "the group itself answered");
        r.SkipTaggedFields();
        return (error, offset);
    }

    private static Task<InitProducerIdApi.Response> InitAsync(KafkaWireClient client, string id, int timeoutMs) =>
        client.CallAsync(ApiKey.InitProducerId, 4, (ref KafkaWriter w) => new InitProducerIdApi.Request { TransactionalId = id, TransactionTimeoutMs = timeoutMs }.Write(ref w, 4),
            (ref KafkaReader r) => InitProducerIdApi.Response.Read(ref r, 4));

    private static async Task<KafkaErrorCode> EndAsync(KafkaWireClient client, string id, long producerId, short epoch, short version) =>
        (await client.CallAsync(ApiKey.EndTxn, version,
            (ref KafkaWriter w) => new EndTxnApi.Request { TransactionalId = id, ProducerId = producerId, ProducerEpoch = epoch, Committed = true }.Write(ref w, version),
            (ref KafkaReader r) => TransactionResponse.Read(ref r, version))).ErrorCode;
}
