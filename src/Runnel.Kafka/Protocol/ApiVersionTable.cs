using System.Collections.Frozen;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Protocol;

/// <summary>
/// The APIs and versions the listener implements — exactly what ApiVersions advertises, so a client never picks a
/// version the codecs cannot read — and from which version each API is "flexible" (compact strings and arrays, tagged
/// fields, request header v2, response header v1).
/// </summary>
internal static class ApiVersionTable
{
    public static readonly IReadOnlyList<ApiVersionRange> Supported =
    [
        new(ApiKey.Produce, ProduceApi.MinVersion, ProduceApi.MaxVersion, ProduceApi.FirstFlexibleVersion),
        new(ApiKey.Fetch, FetchApi.MinVersion, FetchApi.MaxVersion, FetchApi.FirstFlexibleVersion),
        new(ApiKey.ListOffsets, ListOffsetsApi.MinVersion, ListOffsetsApi.MaxVersion, ListOffsetsApi.FirstFlexibleVersion),
        new(ApiKey.Metadata, MetadataApi.MinVersion, MetadataApi.MaxVersion, MetadataApi.FirstFlexibleVersion),
        new(ApiKey.ApiVersions, ApiVersionsApi.MinVersion, ApiVersionsApi.MaxVersion, ApiVersionsApi.FirstFlexibleVersion),
        new(ApiKey.CreateTopics, CreateTopicsApi.MinVersion, CreateTopicsApi.MaxVersion, CreateTopicsApi.FirstFlexibleVersion),
        new(ApiKey.DeleteTopics, DeleteTopicsApi.MinVersion, DeleteTopicsApi.MaxVersion, DeleteTopicsApi.FirstFlexibleVersion),
        new(ApiKey.InitProducerId, InitProducerIdApi.MinVersion, InitProducerIdApi.MaxVersion, InitProducerIdApi.FirstFlexibleVersion),
        new(ApiKey.OffsetCommit, OffsetCommitApi.MinVersion, OffsetCommitApi.MaxVersion, OffsetCommitApi.FirstFlexibleVersion),
        new(ApiKey.OffsetFetch, OffsetFetchApi.MinVersion, OffsetFetchApi.MaxVersion, OffsetFetchApi.FirstFlexibleVersion),
        new(ApiKey.FindCoordinator, FindCoordinatorApi.MinVersion, FindCoordinatorApi.MaxVersion, FindCoordinatorApi.FirstFlexibleVersion),
        new(ApiKey.JoinGroup, JoinGroupApi.MinVersion, JoinGroupApi.MaxVersion, JoinGroupApi.FirstFlexibleVersion),
        new(ApiKey.Heartbeat, HeartbeatApi.MinVersion, HeartbeatApi.MaxVersion, HeartbeatApi.FirstFlexibleVersion),
        new(ApiKey.LeaveGroup, LeaveGroupApi.MinVersion, LeaveGroupApi.MaxVersion, LeaveGroupApi.FirstFlexibleVersion),
        new(ApiKey.SyncGroup, SyncGroupApi.MinVersion, SyncGroupApi.MaxVersion, SyncGroupApi.FirstFlexibleVersion),
        new(ApiKey.DescribeGroups, DescribeGroupsApi.MinVersion, DescribeGroupsApi.MaxVersion, DescribeGroupsApi.FirstFlexibleVersion),
        new(ApiKey.ListGroups, ListGroupsApi.MinVersion, ListGroupsApi.MaxVersion, ListGroupsApi.FirstFlexibleVersion),
        new(ApiKey.DeleteGroups, DeleteGroupsApi.MinVersion, DeleteGroupsApi.MaxVersion, DeleteGroupsApi.FirstFlexibleVersion),
        new(ApiKey.DeleteRecords, DeleteRecordsApi.MinVersion, DeleteRecordsApi.MaxVersion, DeleteRecordsApi.FirstFlexibleVersion),
        new(ApiKey.CreatePartitions, CreatePartitionsApi.MinVersion, CreatePartitionsApi.MaxVersion, CreatePartitionsApi.FirstFlexibleVersion),
        new(ApiKey.DescribeConfigs, DescribeConfigsApi.MinVersion, DescribeConfigsApi.MaxVersion, DescribeConfigsApi.FirstFlexibleVersion),
        new(ApiKey.IncrementalAlterConfigs, IncrementalAlterConfigsApi.MinVersion, IncrementalAlterConfigsApi.MaxVersion, IncrementalAlterConfigsApi.FirstFlexibleVersion),
        new(ApiKey.AddPartitionsToTxn, AddPartitionsToTxnApi.MinVersion, AddPartitionsToTxnApi.MaxVersion, AddPartitionsToTxnApi.FirstFlexibleVersion),
        new(ApiKey.AddOffsetsToTxn, AddOffsetsToTxnApi.MinVersion, AddOffsetsToTxnApi.MaxVersion, AddOffsetsToTxnApi.FirstFlexibleVersion),
        new(ApiKey.EndTxn, EndTxnApi.MinVersion, EndTxnApi.MaxVersion, EndTxnApi.FirstFlexibleVersion),
        new(ApiKey.TxnOffsetCommit, TxnOffsetCommitApi.MinVersion, TxnOffsetCommitApi.MaxVersion, TxnOffsetCommitApi.FirstFlexibleVersion),
        new(ApiKey.ConsumerGroupHeartbeat, ConsumerGroupHeartbeatApi.MinVersion, ConsumerGroupHeartbeatApi.MaxVersion, ConsumerGroupHeartbeatApi.FirstFlexibleVersion),
        new(ApiKey.ConsumerGroupDescribe, ConsumerGroupDescribeApi.MinVersion, ConsumerGroupDescribeApi.MaxVersion, ConsumerGroupDescribeApi.FirstFlexibleVersion),
    ];

    private static readonly FrozenDictionary<short, ApiVersionRange> ByKey = Supported.ToFrozenDictionary(r => (short)r.Key);

    /// <summary>The range of <paramref name="apiKey"/>, if the listener implements it at all.</summary>
    public static bool TryGet(short apiKey, out ApiVersionRange range) => ByKey.TryGetValue(apiKey, out range);

    /// <summary>Whether requests of <paramref name="apiKey"/> at <paramref name="version"/> use header v2 and compact
    /// encodings. Unknown keys are treated as not flexible.</summary>
    public static bool IsFlexible(short apiKey, short version) => ByKey.TryGetValue(apiKey, out var range) && version >= range.FirstFlexible;
}

/// <summary>One API's supported versions.</summary>
internal readonly record struct ApiVersionRange(ApiKey Key, short Min, short Max, short FirstFlexible)
{
    public bool Contains(short version) => version >= Min && version <= Max;
}
