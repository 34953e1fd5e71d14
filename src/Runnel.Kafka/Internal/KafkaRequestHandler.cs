using Microsoft.Extensions.Logging;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>
/// Decodes one request (synchronously, on the connection's read loop, so a malformed frame is caught before anything
/// runs) and starts its work on the grains; the returned task yields the encoded response frame, or null when the
/// request expects none (Produce with acks=0). The work never throws for a grain's failure: each partition or topic
/// carries its Kafka error code. Thread-safe: one instance serves every connection.
/// </summary>
internal sealed partial class KafkaRequestHandler(IGrainFactory grains, BrokerIdentity broker, KafkaListenerOptions options, ILogger logger)
{
    private readonly TopicIds _topicIds = new(grains);

    /// <summary>Decodes the body after <paramref name="header"/> and starts the request. <paramref name="clientHost"/>
    /// is the client's address as group descriptions show it; <paramref name="readAhead"/> the connection's fetch
    /// read-ahead (none: every Fetch reads its partitions when it comes).</summary>
    /// <exception cref="KafkaProtocolException">The API or version is not supported, or the body does not decode: the
    /// caller closes the connection (an unsupported ApiVersions version is answered instead, as Kafka requires).</exception>
    public Task<ResponseFrame?> Start(RequestHeader header, ref KafkaReader reader, string clientHost = "", FetchReadAhead? readAhead = null)
    {
        if (!ApiVersionTable.TryGet(header.ApiKey, out var range))
        {
            throw new KafkaProtocolException($"Unknown or unsupported API key {header.ApiKey}.");
        }

        var version = header.ApiVersion;
        if (!range.Contains(version))
        {
            if (range.Key == ApiKey.ApiVersions)
            {
                // Kafka answers an ApiVersions it cannot read with a v0 response: the error and the versions it has.
                return Task.FromResult<ResponseFrame?>(ApiVersions(header.CorrelationId, 0, KafkaErrorCode.UnsupportedVersion));
            }

            throw new KafkaProtocolException($"{range.Key} v{version} is not supported (v{range.Min}-v{range.Max}).");
        }

        var flexible = version >= range.FirstFlexible;
        if (flexible)
        {
            reader.SkipTaggedFields(); // request header v2
        }

        switch (range.Key)
        {
            case ApiKey.ApiVersions:
                ApiVersionsApi.Request.Read(ref reader, version);
                return Task.FromResult<ResponseFrame?>(ApiVersions(header.CorrelationId, version, KafkaErrorCode.None));
            case ApiKey.Metadata:
                return MetadataAsync(header, MetadataApi.Request.Read(ref reader, version));
            case ApiKey.Produce:
                return ProduceAsync(header, ProduceApi.Request.Read(ref reader, version));
            case ApiKey.Fetch:
                return FetchAsync(header, FetchApi.Request.Read(ref reader, version), readAhead);
            case ApiKey.ListOffsets:
                return ListOffsetsAsync(header, ListOffsetsApi.Request.Read(ref reader, version));
            case ApiKey.InitProducerId:
                return InitProducerIdAsync(header, InitProducerIdApi.Request.Read(ref reader, version));
            case ApiKey.CreateTopics:
                return CreateTopicsAsync(header, CreateTopicsApi.Request.Read(ref reader, version));
            case ApiKey.DeleteTopics:
                return DeleteTopicsAsync(header, DeleteTopicsApi.Request.Read(ref reader, version));
            case ApiKey.FindCoordinator:
                return FindCoordinator(header, FindCoordinatorApi.Request.Read(ref reader, version));
            case ApiKey.OffsetCommit:
                return OffsetCommitAsync(header, OffsetCommitApi.Request.Read(ref reader, version));
            case ApiKey.OffsetFetch:
                return OffsetFetchAsync(header, OffsetFetchApi.Request.Read(ref reader, version));
            case ApiKey.ListGroups:
                return ListGroupsAsync(header, ListGroupsApi.Request.Read(ref reader, version));
            case ApiKey.DescribeGroups:
                return DescribeGroupsAsync(header, DescribeGroupsApi.Request.Read(ref reader, version));
            case ApiKey.DeleteGroups:
                return DeleteGroupsAsync(header, DeleteGroupsApi.Request.Read(ref reader, version));
            case ApiKey.JoinGroup:
                return JoinGroupAsync(header, JoinGroupApi.Request.Read(ref reader, version), clientHost);
            case ApiKey.SyncGroup:
                return SyncGroupAsync(header, SyncGroupApi.Request.Read(ref reader, version));
            case ApiKey.Heartbeat:
                return HeartbeatAsync(header, HeartbeatApi.Request.Read(ref reader, version));
            case ApiKey.LeaveGroup:
                return LeaveGroupAsync(header, LeaveGroupApi.Request.Read(ref reader, version));
            case ApiKey.DeleteRecords:
                return DeleteRecordsAsync(header, DeleteRecordsApi.Request.Read(ref reader, version));
            case ApiKey.CreatePartitions:
                return CreatePartitionsAsync(header, CreatePartitionsApi.Request.Read(ref reader, version));
            case ApiKey.DescribeConfigs:
                return DescribeConfigsAsync(header, DescribeConfigsApi.Request.Read(ref reader, version));
            case ApiKey.IncrementalAlterConfigs:
                return IncrementalAlterConfigsAsync(header, IncrementalAlterConfigsApi.Request.Read(ref reader, version));
            case ApiKey.AddPartitionsToTxn:
                return AddPartitionsToTxnAsync(header, AddPartitionsToTxnApi.Request.Read(ref reader, version));
            case ApiKey.AddOffsetsToTxn:
                return AddOffsetsToTxnAsync(header, AddOffsetsToTxnApi.Request.Read(ref reader, version));
            case ApiKey.EndTxn:
                return EndTxnAsync(header, EndTxnApi.Request.Read(ref reader, version));
            case ApiKey.TxnOffsetCommit:
                return TxnOffsetCommitAsync(header, TxnOffsetCommitApi.Request.Read(ref reader, version));
            case ApiKey.ConsumerGroupHeartbeat:
                return ConsumerGroupHeartbeatAsync(header, ConsumerGroupHeartbeatApi.Request.Read(ref reader, version));
            case ApiKey.ConsumerGroupDescribe:
                return ConsumerGroupDescribeAsync(header, ConsumerGroupDescribeApi.Request.Read(ref reader, version));
            default:
                throw new KafkaProtocolException($"API {range.Key} has no handler.");
        }
    }

    private static ResponseFrame ApiVersions(int correlationId, short version, KafkaErrorCode error)
    {
        var response = new ApiVersionsApi.Response { ErrorCode = error };
        response.ApiKeys.AddRange(ApiVersionTable.Supported);
        var frame = new ResponseFrame(correlationId, flexibleHeader: false);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, version);
        return frame.Complete();
    }

    /// <summary>A response frame for <paramref name="header"/>'s API and version.</summary>
    private static ResponseFrame NewFrame(RequestHeader header) =>
        new(header.CorrelationId, ApiVersionTable.IsFlexible(header.ApiKey, header.ApiVersion));

    /// <summary>The Kafka code for a failed grain call, logged at Debug (a client sees the code and retries or gives up).</summary>
    private KafkaErrorCode Fail(string what, Exception exception)
    {
        var code = KafkaErrors.From(exception);
        if (code == KafkaErrorCode.UnknownServerError)
        {
            LogUnexpectedFailure(logger, what, exception);
        }
        else
        {
            LogRequestFailed(logger, what, code, exception.Message);
        }

        return code;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka {What} failed with {Code}: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string what, KafkaErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka {What} failed unexpectedly")]
    private static partial void LogUnexpectedFailure(ILogger logger, string what, Exception exception);
}
