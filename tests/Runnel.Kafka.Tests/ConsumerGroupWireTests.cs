using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Tests;

/// <summary>KIP-848's ConsumerGroupHeartbeat and ConsumerGroupDescribe, and the topic ids they name partitions by,
/// frame by frame against a real silo: heartbeats that leave unchanged fields null keep the member's subscription,
/// stale and unknown members get Kafka's fencing codes.</summary>
public sealed class ConsumerGroupWireTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private const short Version = ConsumerGroupHeartbeatApi.MaxVersion;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static Task<MetadataApi.Response> MetadataAsync(KafkaWireClient client, MetadataApi.Request request) =>
        client.CallAsync(ApiKey.Metadata, 12, (ref KafkaWriter w) => request.Write(ref w, 12), (ref KafkaReader r) => MetadataApi.Response.Read(ref r, 12));

    private static Task<ConsumerGroupHeartbeatApi.Response> HeartbeatAsync(KafkaWireClient client, ConsumerGroupHeartbeatApi.Request request) =>
        client.CallAsync(ApiKey.ConsumerGroupHeartbeat, Version, (ref KafkaWriter w) => request.Write(ref w, Version), (ref KafkaReader r) => ConsumerGroupHeartbeatApi.Response.Read(ref r, Version));

    private static Task<ConsumerGroupDescribeApi.Response> DescribeAsync(KafkaWireClient client, params string[] groups) =>
        client.CallAsync(ApiKey.ConsumerGroupDescribe, 0, (ref KafkaWriter w) =>
        {
            var request = new ConsumerGroupDescribeApi.Request();
            request.GroupIds.AddRange(groups);
            request.Write(ref w, 0);
        }, (ref KafkaReader r) => ConsumerGroupDescribeApi.Response.Read(ref r, 0));

    [Fact]
    public async Task Metadata_TopicIds_StableNonZeroAndResolvableById_UnknownIdIsUnknownTopicId()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var topic = NewName("ids");
        await client.CreateTopicAsync(topic, 3);

        var first = (await MetadataAsync(client, new MetadataApi.Request { Topics = [topic] })).Topics.Single();
        var second = (await MetadataAsync(client, new MetadataApi.Request { Topics = [topic] })).Topics.Single();
        first.TopicId.Should().NotBe(Guid.Empty);
        second.TopicId.Should().Be(first.TopicId, "a topic's id does not change between calls");

        var byId = new MetadataApi.Request { Topics = [] };
        byId.TopicIds.Add(first.TopicId);
        var unknown = Guid.NewGuid();
        byId.TopicIds.Add(unknown);
        var answered = (await MetadataAsync(client, byId)).Topics;
        answered.Should().HaveCount(2);
        answered[0].Should().Match<MetadataApi.Topic>(t => t.Name == topic && t.TopicId == first.TopicId && t.Partitions.Count == 3 && t.ErrorCode == KafkaErrorCode.None);
        answered[1].Should().Match<MetadataApi.Topic>(t => t.Name == null && t.TopicId == unknown && t.ErrorCode == KafkaErrorCode.UnknownTopicId);
    }

    [Fact]
    public async Task Heartbeat_JoinDeltaHeartbeatsFencingAndLeave_KafkaSemantics()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var topic = NewName("hb");
        var group = NewName("hb");
        await client.CreateTopicAsync(topic, 2);
        var topicId = (await MetadataAsync(client, new MetadataApi.Request { Topics = [topic] })).Topics.Single().TopicId;
        var memberId = Guid.NewGuid().ToString("N"); // v1: the client makes its member id up

        var joined = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = [topic], Owned = [] });
        joined.ErrorCode.Should().Be(KafkaErrorCode.None, joined.ErrorMessage);
        joined.MemberId.Should().Be(memberId);
        joined.MemberEpoch.Should().BePositive();
        joined.HeartbeatIntervalMs.Should().BePositive();
        joined.Assignment.Should().ContainSingle().Which.Should().Match<ConsumerGroupHeartbeatApi.TopicPartitions>(t => t.TopicId == topicId && t.Partitions.SequenceEqual(new[] { 0, 1 }));

        // A heartbeat that leaves everything unchanged (null) keeps the subscription and the assignment.
        var delta = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = joined.MemberEpoch });
        delta.ErrorCode.Should().Be(KafkaErrorCode.None, delta.ErrorMessage);
        delta.MemberEpoch.Should().Be(joined.MemberEpoch);
        delta.Assignment.Should().ContainSingle().Which.Partitions.Should().Equal(0, 1);

        // Reporting ownership by topic id is taken in as well.
        var owned = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = joined.MemberEpoch, Owned = [new(topicId, [0, 1])] });
        owned.ErrorCode.Should().Be(KafkaErrorCode.None, owned.ErrorMessage);

        var described = (await DescribeAsync(client, group, NewName("missing"))).Groups;
        described[0].ErrorCode.Should().Be(KafkaErrorCode.None);
        described[0].GroupState.Should().Be("Stable");
        described[0].AssignorName.Should().Be("uniform");
        var member = described[0].Members.Should().ContainSingle().Subject;
        member.MemberId.Should().Be(memberId);
        member.SubscribedTopicNames.Should().Equal(topic);
        member.Assignment.Should().ContainSingle().Which.Should().Match<ConsumerGroupDescribeApi.TopicPartitions>(t => t.TopicId == topicId && t.TopicName == topic && t.Partitions.Count == 2);
        member.TargetAssignment.Should().ContainSingle().Which.Partitions.Should().Equal(0, 1);
        described[1].ErrorCode.Should().Be(KafkaErrorCode.GroupIdNotFound);

        var stale = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = joined.MemberEpoch + 5 });
        stale.ErrorCode.Should().Be(KafkaErrorCode.FencedMemberEpoch);
        stale.ErrorMessage.Should().Contain(memberId);

        var stranger = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "nobody", MemberEpoch = 3 });
        stranger.ErrorCode.Should().Be(KafkaErrorCode.UnknownMemberId);

        var assignor = await HeartbeatAsync(client, new() { GroupId = group, MemberId = Guid.NewGuid().ToString("N"), MemberEpoch = 0, SubscribedTopicNames = [topic], ServerAssignor = "sticky" });
        assignor.ErrorCode.Should().Be(KafkaErrorCode.UnsupportedAssignor);
        assignor.ErrorMessage.Should().Contain("sticky");

        var badRegex = await HeartbeatAsync(client, new() { GroupId = group, MemberId = Guid.NewGuid().ToString("N"), MemberEpoch = 0, SubscribedTopicNames = [], SubscribedTopicRegex = "hb-([" });
        badRegex.ErrorCode.Should().Be(KafkaErrorCode.InvalidRegularExpression);
        badRegex.ErrorMessage.Should().Contain("hb-([");

        var noSubscription = await HeartbeatAsync(client, new() { GroupId = group, MemberId = Guid.NewGuid().ToString("N"), MemberEpoch = 0 });
        noSubscription.ErrorCode.Should().Be(KafkaErrorCode.InvalidRequest);

        var left = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = ConsumerGroupHeartbeatApi.LeaveEpoch });
        left.ErrorCode.Should().Be(KafkaErrorCode.None, left.ErrorMessage);
        left.MemberEpoch.Should().Be(ConsumerGroupHeartbeatApi.LeaveEpoch);
        (await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = joined.MemberEpoch })).ErrorCode.Should().Be(KafkaErrorCode.UnknownMemberId);
        (await DescribeAsync(client, group)).Groups.Single().Should().Match<ConsumerGroupDescribeApi.Group>(g => g.GroupState == "Empty" && g.Members.Count == 0);
    }

    [Fact]
    public async Task OffsetCommitAndFetchV9_ConsumerProtocolMember_CurrentEpochPasses_StaleIsStaleMemberEpoch_UnknownIsUnknownMemberId()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var topic = NewName("v9");
        var group = NewName("v9");
        await client.CreateTopicAsync(topic, 2);
        var memberId = Guid.NewGuid().ToString("N");
        var joined = await HeartbeatAsync(client, new() { GroupId = group, MemberId = memberId, MemberEpoch = 0, SubscribedTopicNames = [topic], Owned = [] });
        joined.ErrorCode.Should().Be(KafkaErrorCode.None, joined.ErrorMessage);
        var epoch = joined.MemberEpoch;

        (await CommitV9Async(client, group, memberId, epoch, topic, 7)).Should().Be(KafkaErrorCode.None);
        (await CommitV9Async(client, group, memberId, epoch + 5, topic, 8)).Should().Be(KafkaErrorCode.StaleMemberEpoch, "an epoch the member does not hold");
        (await CommitV9Async(client, group, "nobody", epoch, topic, 8)).Should().Be(KafkaErrorCode.UnknownMemberId);
        (await CommitV9Async(client, group, "", -1, topic, 8)).Should().Be(KafkaErrorCode.UnknownMemberId, "a standalone commit to a group with members is refused");

        (await FetchV9Async(client, group, memberId, epoch, topic)).Should().Be((KafkaErrorCode.None, 7L), "the refused commits changed nothing");
        (await FetchV9Async(client, group, memberId, epoch + 5, topic)).Should().Be((KafkaErrorCode.StaleMemberEpoch, -1L));
        (await FetchV9Async(client, group, "nobody", epoch, topic)).Should().Be((KafkaErrorCode.UnknownMemberId, -1L));
        (await FetchV9Async(client, NewName("missing"), memberId, epoch, topic)).Should().Be((KafkaErrorCode.UnknownMemberId, -1L), "no group, no member");
        (await FetchV9Async(client, group, null, -1, topic)).Should().Be((KafkaErrorCode.None, 7L), "an admin's fetch names no member and is not checked");
    }

    [Fact]
    public async Task Heartbeat_StaticMembers_SecondLiveUnreleased_StaticLeaveKeepsAssignment_NewMemberTakesOver_OldOneFencedInstance()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var topic = NewName("static");
        var group = NewName("static");
        await client.CreateTopicAsync(topic, 4);
        var first = Guid.NewGuid().ToString("N");
        var joined = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = 0, InstanceId = "i-1", RackId = "rack-a", SubscribedTopicNames = [topic], Owned = [] });
        joined.ErrorCode.Should().Be(KafkaErrorCode.None, joined.ErrorMessage);
        var held = joined.Assignment.Should().ContainSingle().Subject.Partitions;
        held.Should().HaveCount(4);

        // A second live consumer with the same group.instance.id is refused while the first holds it.
        var second = Guid.NewGuid().ToString("N");
        var unreleased = await HeartbeatAsync(client, new() { GroupId = group, MemberId = second, MemberEpoch = 0, InstanceId = "i-1", SubscribedTopicNames = [topic], Owned = [] });
        unreleased.ErrorCode.Should().Be(KafkaErrorCode.UnreleasedInstanceId);
        unreleased.ErrorMessage.Should().Contain("i-1");

        var member = (await DescribeAsync(client, group)).Groups.Single().Members.Should().ContainSingle().Subject;
        member.Should().Match<ConsumerGroupDescribeApi.Member>(m => m.MemberId == first && m.InstanceId == "i-1" && m.RackId == "rack-a");

        // A dynamic member joins; the static one leaves with epoch -2: its partitions stay reserved for it.
        var other = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "dyn", MemberEpoch = 0, SubscribedTopicNames = [topic], Owned = [] });
        var current = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = joined.MemberEpoch, Owned = [new(joined.Assignment!.Single().TopicId, held)] });
        current.ErrorCode.Should().Be(KafkaErrorCode.None, current.ErrorMessage);
        var kept = current.Assignment!.Single().Partitions;
        kept.Should().HaveCount(2, "the dynamic member is given half");
        current = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = current.MemberEpoch, Owned = [new(joined.Assignment!.Single().TopicId, kept)] });
        var left = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = ConsumerGroupHeartbeatApi.StaticLeaveEpoch, InstanceId = "i-1" });
        left.ErrorCode.Should().Be(KafkaErrorCode.None, left.ErrorMessage);
        left.MemberEpoch.Should().Be(ConsumerGroupHeartbeatApi.StaticLeaveEpoch);
        var dynamic = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "dyn", MemberEpoch = other.MemberEpoch });
        dynamic.ErrorCode.Should().Be(KafkaErrorCode.None, dynamic.ErrorMessage);
        (dynamic.Assignment ?? []).SelectMany(t => t.Partitions).Should().NotIntersectWith(kept, "a static member's partitions wait for it through its session timeout");

        // Its next incarnation (a new member id) takes them over at once; the old member id is fenced as an instance.
        var returned = await HeartbeatAsync(client, new() { GroupId = group, MemberId = second, MemberEpoch = 0, InstanceId = "i-1", SubscribedTopicNames = [topic], Owned = [] });
        returned.ErrorCode.Should().Be(KafkaErrorCode.None, returned.ErrorMessage);
        returned.Assignment.Should().ContainSingle().Which.Partitions.Should().BeEquivalentTo(kept);
        var zombie = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = current.MemberEpoch, InstanceId = "i-1" });
        zombie.ErrorCode.Should().Be(KafkaErrorCode.FencedInstanceId);
        zombie.ErrorMessage.Should().Contain("i-1");
        var zombieLeave = await HeartbeatAsync(client, new() { GroupId = group, MemberId = first, MemberEpoch = ConsumerGroupHeartbeatApi.StaticLeaveEpoch, InstanceId = "i-1" });
        zombieLeave.ErrorCode.Should().Be(KafkaErrorCode.FencedInstanceId);
    }

    /// <summary>OffsetCommit v9 of one offset for partition 0 of <paramref name="topic"/>: the partition's error.</summary>
    private static Task<KafkaErrorCode> CommitV9Async(KafkaWireClient client, string group, string memberId, int epoch, string topic, long offset) =>
        client.CallAsync(ApiKey.OffsetCommit, 9, (ref KafkaWriter w) =>
        {
            var request = new OffsetCommitApi.Request { GroupId = group, GenerationId = epoch, MemberId = memberId };
            request.Topics.Add(new OffsetCommitApi.TopicRequest(topic, [new OffsetCommitApi.PartitionRequest(0, offset, -1, null)]));
            request.Write(ref w, 9);
        }, (ref KafkaReader r) =>
        {
            r.ReadInt32(); // throttle
            r.ReadArrayLength(compact: true).Should().Be(1);
            r.ReadString(compact: true);
            r.ReadArrayLength(compact: true).Should().Be(1);
            r.ReadInt32();
            var error = (KafkaErrorCode)r.ReadInt16();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            return error;
        });

    /// <summary>OffsetFetch v9 of partition 0 of <paramref name="topic"/> as <paramref name="memberId"/> at
    /// <paramref name="epoch"/>: the group's error (else the partition's) and the committed offset.</summary>
    private static Task<(KafkaErrorCode Error, long Offset)> FetchV9Async(KafkaWireClient client, string group, string? memberId, int epoch, string topic) =>
        client.CallAsync(ApiKey.OffsetFetch, 9, (ref KafkaWriter w) =>
        {
            var request = new OffsetFetchApi.Request();
            request.Groups.Add(new OffsetFetchApi.GroupRequest(group, [new OffsetFetchApi.TopicRequest(topic, [0])]) { MemberId = memberId, MemberEpoch = epoch });
            request.Write(ref w, 9);
        }, (ref KafkaReader r) =>
        {
            r.ReadInt32(); // throttle
            r.ReadArrayLength(compact: true).Should().Be(1);
            r.ReadString(compact: true);
            var (error, offset) = (KafkaErrorCode.None, -1L);
            var topics = r.ReadArrayLength(compact: true);
            for (var t = 0; t < topics; t++)
            {
                r.ReadString(compact: true);
                r.ReadArrayLength(compact: true).Should().Be(1);
                r.ReadInt32();
                offset = r.ReadInt64();
                r.ReadInt32(); // leader epoch
                r.ReadNullableString(compact: true);
                error = (KafkaErrorCode)r.ReadInt16();
                r.SkipTaggedFields();
                r.SkipTaggedFields();
            }

            var groupError = (KafkaErrorCode)r.ReadInt16();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            return (groupError != KafkaErrorCode.None ? groupError : error, offset);
        });

    [Fact]
    public async Task Heartbeat_OwnedTopicIdNobodyHas_NothingTakenForReleased()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var topic = NewName("owned");
        var group = NewName("owned");
        await client.CreateTopicAsync(topic, 2);
        var topicId = (await MetadataAsync(client, new MetadataApi.Request { Topics = [topic] })).Topics.Single().TopicId;
        var a = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "a", MemberEpoch = 0, SubscribedTopicNames = [topic], Owned = [] });
        a.Assignment.Should().ContainSingle().Which.Partitions.Should().Equal(0, 1);
        var b = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "b", MemberEpoch = 0, SubscribedTopicNames = [topic], Owned = [] });
        b.Assignment.Should().BeEmpty("a still owns both");

        // a is told to give one up, then reports owning only partitions of a topic id nobody has: that is no release.
        var revoking = await HeartbeatAsync(client, new() { GroupId = group, MemberId = "a", MemberEpoch = a.MemberEpoch, Owned = [new(topicId, [0, 1])] });
        revoking.Assignment.Should().ContainSingle().Which.Partitions.Should().HaveCount(1);
        (await HeartbeatAsync(client, new() { GroupId = group, MemberId = "a", MemberEpoch = revoking.MemberEpoch, Owned = [new(Guid.NewGuid(), [0, 1])] }))
            .ErrorCode.Should().Be(KafkaErrorCode.None);
        (await HeartbeatAsync(client, new() { GroupId = group, MemberId = "b", MemberEpoch = b.MemberEpoch })).Assignment.Should().BeEmpty("a did not release anything b could take");

        // Its real report releases the partition, which b then gets.
        var kept = revoking.Assignment!.Single().Partitions;
        (await HeartbeatAsync(client, new() { GroupId = group, MemberId = "a", MemberEpoch = revoking.MemberEpoch, Owned = [new(topicId, kept)] })).ErrorCode.Should().Be(KafkaErrorCode.None);
        (await HeartbeatAsync(client, new() { GroupId = group, MemberId = "b", MemberEpoch = b.MemberEpoch })).Assignment.Should().ContainSingle().Which.Partitions.Should().HaveCount(1);
    }
}
