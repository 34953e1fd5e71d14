using System.Buffers;
using Runnel.Grains;
using Runnel.Kafka.Internal;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>Fetch's isolation_level reaches the partition as <see cref="FetchRequest.IsolationLevel"/>, and the
/// partition's aborted transactions and last stable offset come back as Kafka's aborted_transactions and
/// last_stable_offset.</summary>
public sealed class FetchIsolationTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    [Theory]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(12)]
    public void ReadCommitted_AbortedTransactionsAndLastStableOffset_ReachTheWire(short version)
    {
        var fetched = new FetchResponse(SampleBatches.Create("txn"), LogStartOffset: 2, HighWatermark: 40, LastStableOffset: 31)
        {
            AbortedTransactions = [new AbortedTransaction(ProducerId: 7, FirstOffset: 10, LastOffset: 14), new AbortedTransaction(9, 20, 25)],
        };

        var committed = Encode(KafkaRequestHandler.ToPartitionResponse(3, fetched, IsolationLevel.ReadCommitted), version);
        committed.AbortedTransactions.Should().Equal(new FetchApi.AbortedTransaction(7, 10), new FetchApi.AbortedTransaction(9, 20));
        (committed.PartitionIndex, committed.HighWatermark, committed.LastStableOffset).Should().Be((3, 40, 31));
        committed.Records.ToArray().Should().Equal(fetched.Batches.ToArray());

        var uncommitted = Encode(KafkaRequestHandler.ToPartitionResponse(3, fetched with { AbortedTransactions = [] }, IsolationLevel.ReadUncommitted), version);
        uncommitted.AbortedTransactions.Should().BeNull("Kafka sends a null list at read_uncommitted");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public async Task Fetch_OverTheWire_IsolationLevelDecidesTheAbortedList_LastStableIsTheHighWatermarkWithoutTransactions(sbyte isolation, bool listExpected)
    {
        var topic = "isolation-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        await client.CreateTopicAsync(topic, 1);
        var produced = await client.CallAsync(ApiKey.Produce, 9, (ref KafkaWriter w) =>
        {
            var request = new ProduceApi.Request { Acks = -1, TimeoutMs = 10_000 };
            request.Topics.Add(new ProduceApi.TopicData(topic, [new ProduceApi.PartitionData(0, new ReadOnlySequence<byte>(SampleBatches.Create("iso", records: 4)))]));
            request.Write(ref w, 9);
        }, (ref KafkaReader r) => ProduceApi.Response.Read(ref r, 9));
        produced.Topics.Single().Partitions.Single().ErrorCode.Should().Be(KafkaErrorCode.None);

        var response = await client.CallAsync(ApiKey.Fetch, 12, (ref KafkaWriter w) =>
        {
            var request = new FetchApi.Request { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, IsolationLevel = isolation };
            request.Topics.Add(new FetchApi.TopicRequest(topic, [new FetchApi.PartitionRequest(0, -1, 0, -1, 1 << 20)]));
            request.Write(ref w, 12);
        }, (ref KafkaReader r) => FetchApi.Response.Read(ref r, 12));

        var partition = response.Topics.Single().Partitions.Single();
        partition.ErrorCode.Should().Be(KafkaErrorCode.None);
        (partition.HighWatermark, partition.LastStableOffset).Should().Be((4, 4));
        partition.Records.Length.Should().BeGreaterThan(0);
        if (listExpected)
        {
            partition.AbortedTransactions.Should().NotBeNull().And.BeEmpty();
        }
        else
        {
            partition.AbortedTransactions.Should().BeNull();
        }
    }

    private static FetchApi.PartitionResponse Encode(FetchApi.PartitionResponse partition, short version)
    {
        var response = new FetchApi.Response();
        response.Topics.Add(new FetchApi.TopicResponse("orders", [partition]));
        return CodecRoundTripTests.RoundTrip((ref KafkaWriter w) => response.Write(ref w, version), (ref KafkaReader r) => FetchApi.Response.Read(ref r, version))
            .Topics.Single().Partitions.Single();
    }
}
