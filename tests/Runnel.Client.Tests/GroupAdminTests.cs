using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>Admin over consumer groups against the real group grain: list, describe with lag, delete, reset offsets.</summary>
public sealed class GroupAdminTests(RealGroupsClusterFixture fixture) : IClassFixture<RealGroupsClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeCluster _cluster = fixture.ForTest();

    private IAdminClient Admin => _cluster.Connection.Admin;

    /// <summary>10 records per partition, record i stamped T0 + i seconds.</summary>
    private async Task<string> TopicWithRecordsAsync(int partitions)
    {
        var topic = await _cluster.CreateTopicAsync(partitions);
        await using var producer = _cluster.Connection.CreateProducer<string, string>();
        var tasks = Enumerable.Range(0, partitions).SelectMany(p => Enumerable.Range(0, 10).Select(i =>
            producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Value = $"{i}", Timestamp = T0.AddSeconds(i) }))).ToList();
        await Task.WhenAll(tasks).WaitAsync(Guard);
        return topic;
    }

    [Fact]
    public async Task ResetOffsets_EachSpec_ResolvedAndClamped()
    {
        var topic = await TopicWithRecordsAsync(2);
        var group = GroupConsumerTests.NewGroup();

        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToDateTime(T0.AddMilliseconds(3500)))).Select(o => o.Offset)
            .Should().Equal([4L, 4L], "the first record at or after 3.5 s is the one stamped 4 s");
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToDateTime(T0.AddSeconds(3)))).Select(o => o.Offset).Should().Equal(3L, 3L);
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ShiftBy(-2))).Select(o => o.Offset).Should().Equal(1L, 1L);
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ShiftBy(-5))).Select(o => o.Offset).Should().Equal([0L, 0L], "clamped to the log start");
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToLatest())).Select(o => o.Offset).Should().Equal(10L, 10L);
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ShiftBy(3))).Select(o => o.Offset).Should().Equal([10L, 10L], "clamped to the high watermark");
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToOffset(7), partitions: [1])).Should().Equal(new TopicPartitionOffset(topic, 1, 7));
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToDateTime(T0.AddDays(1)))).Select(o => o.Offset).Should().Equal([10L, 10L], "past the last record: the end");
        (await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToEarliest())).Select(o => o.Offset).Should().Equal(0L, 0L);

        var description = await Admin.DescribeGroupAsync(group);
        description.Partitions.Select(p => (p.Partition, p.CommittedOffset, p.LogEndOffset, p.Lag)).Should().Equal((0, 0L, 10L, 10L), (1, 0L, 10L, 10L));
        description.TotalLag.Should().Be(20);
    }

    [Fact]
    public async Task ResetOffsets_ByTimestamp_ConsumerStartsAtFirstRecordAtOrAfter()
    {
        var topic = await TopicWithRecordsAsync(1);
        var group = GroupConsumerTests.NewGroup();
        await Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToDateTime(T0.AddMilliseconds(6200)));
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(GroupConsumerTests.GroupOptions(group) with { AutoOffsetReset = AutoOffsetReset.Error });
        consumer.Subscribe([topic]);
        using var cts = new CancellationTokenSource(Guard);
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            record.Offset.Should().Be(7);
            record.Message.Timestamp.Should().Be(T0.AddSeconds(7));
            break;
        }
    }

    [Fact]
    public async Task ResetAndDelete_WhileMembersActive_GroupNotEmpty()
    {
        var topic = await TopicWithRecordsAsync(1);
        var group = GroupConsumerTests.NewGroup();
        var log = new OwnershipLog();
        await using (var worker = new GroupWorker("w", _cluster.Connection.Grains, GroupConsumerTests.GroupOptions(group), [topic], log))
        {
            await log.UntilAsync(() => log.Consumed.Count == 10, Guard, "10 records consumed");
            var reset = () => Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToEarliest());
            (await reset.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.GroupNotEmpty);
            var delete = () => Admin.DeleteGroupAsync(group);
            (await delete.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.GroupNotEmpty);

            var description = await Admin.DescribeGroupAsync(group);
            description.State.Should().NotBe(ConsumerGroupState.Empty);
            description.Members.Should().ContainSingle().Which.MemberId.Should().Be(worker.Consumer.MemberId);
            description.Partitions.Should().ContainSingle().Which.MemberId.Should().Be(worker.Consumer.MemberId);
        }

        (await Admin.ListGroupsAsync()).Should().Contain(group);
        var after = await Admin.DescribeGroupAsync(group);
        after.State.Should().Be(ConsumerGroupState.Empty);
        after.Partitions.Should().ContainSingle().Which.Should().Be(new GroupPartitionLag(topic, 0, 10, 10, 0, null));
        await Admin.DeleteGroupAsync(group);
        (await Admin.ListGroupsAsync()).Should().NotContain(group);
        var gone = () => Admin.DescribeGroupAsync(group);
        (await gone.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownGroup);
        var bad = () => Admin.DescribeGroupAsync("no/slash");
        (await bad.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidGroupId);
    }
}
