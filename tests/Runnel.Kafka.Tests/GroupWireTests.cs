using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Tests;

/// <summary>The group APIs frame by frame against a real silo: bad input and stale members get Kafka's error codes
/// (never a closed connection for a well-formed request), and a classic member's commit is fenced by its generation.</summary>
public sealed class GroupWireTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static string NewGroup() => "wire-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task FindCoordinator_GroupAndTransactionalId_ThisBroker_UnknownKeyType_InvalidRequestWithMessage()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var found = await client.CallAsync(ApiKey.FindCoordinator, 2, (ref KafkaWriter w) => new FindCoordinatorApi.Request { Key = NewGroup() }.Write(ref w, 2),
            (ref KafkaReader r) => FindCoordinatorApi.Response.Read(ref r, 2));
        found.ErrorCode.Should().Be(KafkaErrorCode.None);
        found.Port.Should().Be(silo.KafkaPort);
        found.Host.Should().Be("127.0.0.1");

        var transactional = await client.CallAsync(ApiKey.FindCoordinator, 2, (ref KafkaWriter w) => new FindCoordinatorApi.Request { Key = "tx", KeyType = 1 }.Write(ref w, 2),
            (ref KafkaReader r) => FindCoordinatorApi.Response.Read(ref r, 2));
        transactional.ErrorCode.Should().Be(KafkaErrorCode.None);
        transactional.Port.Should().Be(silo.KafkaPort);

        var unknownType = await client.CallAsync(ApiKey.FindCoordinator, 2, (ref KafkaWriter w) => new FindCoordinatorApi.Request { Key = "x", KeyType = 2 }.Write(ref w, 2),
            (ref KafkaReader r) => FindCoordinatorApi.Response.Read(ref r, 2));
        unknownType.ErrorCode.Should().Be(KafkaErrorCode.InvalidRequest);
        unknownType.ErrorMessage.Should().Contain("Key type 2");

        var invalid = await client.CallAsync(ApiKey.FindCoordinator, 2, (ref KafkaWriter w) => new FindCoordinatorApi.Request { Key = "bad/group" }.Write(ref w, 2),
            (ref KafkaReader r) => FindCoordinatorApi.Response.Read(ref r, 2));
        invalid.ErrorCode.Should().Be(KafkaErrorCode.InvalidGroupId);
        invalid.ErrorMessage.Should().Contain("bad/group");
    }

    [Fact]
    public async Task ClassicCalls_BadInputOrUnknownMember_KafkaErrorCodes()
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        (await JoinAsync(client, "bad/group", "", sessionTimeoutMs: 10_000)).Error.Should().Be(KafkaErrorCode.InvalidGroupId);
        (await JoinAsync(client, NewGroup(), "", sessionTimeoutMs: 0)).Error.Should().Be(KafkaErrorCode.InvalidSessionTimeout);
        (await JoinAsync(client, NewGroup(), "nobody", sessionTimeoutMs: 10_000)).Error.Should().Be(KafkaErrorCode.UnknownMemberId);

        var group = NewGroup();
        (await ErrorAsync(client, ApiKey.Heartbeat, 3, (ref KafkaWriter w) => new HeartbeatApi.Request { GroupId = group, GenerationId = 1, MemberId = "nobody" }.Write(ref w, 3)))
            .Should().Be(KafkaErrorCode.UnknownMemberId);
        (await ErrorAsync(client, ApiKey.SyncGroup, 3, (ref KafkaWriter w) => new SyncGroupApi.Request { GroupId = group, GenerationId = 1, MemberId = "nobody" }.Write(ref w, 3)))
            .Should().Be(KafkaErrorCode.UnknownMemberId);
        (await ErrorAsync(client, ApiKey.LeaveGroup, 1, (ref KafkaWriter w) => new LeaveGroupApi.Request { GroupId = group, MemberId = "nobody" }.Write(ref w, 1)))
            .Should().Be(KafkaErrorCode.UnknownMemberId);

        var deleted = await client.CallAsync(ApiKey.DeleteGroups, 2, (ref KafkaWriter w) =>
        {
            var request = new DeleteGroupsApi.Request();
            request.Groups.Add(NewGroup());
            request.Write(ref w, 2);
        }, (ref KafkaReader r) =>
        {
            r.ReadInt32();
            r.ReadArrayLength(compact: true).Should().Be(1);
            r.ReadString(compact: true);
            var error = (KafkaErrorCode)r.ReadInt16();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            return error;
        });
        deleted.Should().Be(KafkaErrorCode.GroupIdNotFound);
    }

    [Fact]
    public async Task OffsetCommit_ClassicMember_CurrentGenerationCommitsStaleIsIllegalGeneration()
    {
        var group = NewGroup();
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var joined = await JoinAsync(client, group, "", sessionTimeoutMs: 10_000);
        joined.Error.Should().Be(KafkaErrorCode.None);
        joined.Generation.Should().Be(1);

        (await CommitAsync(client, group, joined.MemberId, generation: 0, offset: 5)).Should().Be(KafkaErrorCode.IllegalGeneration);
        (await CommitAsync(client, group, joined.MemberId, generation: 0, offset: 5, version: 9)).Should().Be(KafkaErrorCode.IllegalGeneration, "at v9 too: a classic member's generation is no member epoch");
        (await CommitAsync(client, group, "someone-else", generation: 1, offset: 5)).Should().Be(KafkaErrorCode.UnknownMemberId);
        (await CommitAsync(client, group, "", generation: -1, offset: 5)).Should().Be(KafkaErrorCode.UnknownMemberId, "a standalone commit to a group with members is refused");
        (await CommitAsync(client, group, joined.MemberId, generation: 1, offset: 5)).Should().Be(KafkaErrorCode.None);

        (await ErrorAsync(client, ApiKey.LeaveGroup, 1, (ref KafkaWriter w) => new LeaveGroupApi.Request { GroupId = group, MemberId = joined.MemberId }.Write(ref w, 1)))
            .Should().Be(KafkaErrorCode.None);
        (await CommitAsync(client, group, "", generation: -1, offset: 6)).Should().Be(KafkaErrorCode.None, "the group is empty again");
    }

    private static Task<(KafkaErrorCode Error, int Generation, string MemberId)> JoinAsync(KafkaWireClient client, string group, string memberId, int sessionTimeoutMs) =>
        client.CallAsync(ApiKey.JoinGroup, 5, (ref KafkaWriter w) =>
        {
            var request = new JoinGroupApi.Request { GroupId = group, SessionTimeoutMs = sessionTimeoutMs, RebalanceTimeoutMs = 10_000, MemberId = memberId, ProtocolType = "consumer" };
            request.Protocols.Add(new JoinGroupApi.Protocol("range", [0, 1]));
            request.Write(ref w, 5);
        }, (ref KafkaReader r) =>
        {
            r.ReadInt32(); // throttle
            var error = (KafkaErrorCode)r.ReadInt16();
            var generation = r.ReadInt32();
            r.ReadString(compact: false); // protocol
            r.ReadString(compact: false); // leader
            var member = r.ReadString(compact: false);
            var members = r.ReadArrayLength(compact: false);
            for (var i = 0; i < members; i++)
            {
                r.ReadString(compact: false);
                r.ReadNullableString(compact: false);
                r.ReadBytes(compact: false);
            }

            return (error, generation, member);
        });

    /// <summary>Heartbeat v3, SyncGroup v3 and LeaveGroup v1 answers open with a throttle time and the error code
    /// (SyncGroup's then carries the assignment).</summary>
    private static Task<KafkaErrorCode> ErrorAsync(KafkaWireClient client, ApiKey key, short version, KafkaWireClient.WriteBody body) =>
        client.CallAsync(key, version, body, (ref KafkaReader r) =>
        {
            r.ReadInt32();
            var error = (KafkaErrorCode)r.ReadInt16();
            if (key == ApiKey.SyncGroup)
            {
                r.ReadBytes(compact: false);
            }

            return error;
        });

    private static Task<KafkaErrorCode> CommitAsync(KafkaWireClient client, string group, string memberId, int generation, long offset, short version = 8) =>
        client.CallAsync(ApiKey.OffsetCommit, version, (ref KafkaWriter w) =>
        {
            var request = new OffsetCommitApi.Request { GroupId = group, GenerationId = generation, MemberId = memberId };
            request.Topics.Add(new OffsetCommitApi.TopicRequest("wire-topic", [new OffsetCommitApi.PartitionRequest(0, offset, -1, null)]));
            request.Write(ref w, version);
        }, (ref KafkaReader r) =>
        {
            r.ReadInt32();
            r.ReadArrayLength(compact: true);
            r.ReadString(compact: true);
            r.ReadArrayLength(compact: true);
            r.ReadInt32();
            var error = (KafkaErrorCode)r.ReadInt16();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            r.SkipTaggedFields();
            return error;
        });
}
