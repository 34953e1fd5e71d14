using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>Kafka's transaction APIs onto the transactional id's <see cref="ITransactionCoordinatorGrain"/> (any silo
/// reaches it, so any broker is the transaction coordinator) and the group's transactional offsets. A fenced producer is
/// INVALID_PRODUCER_EPOCH or PRODUCER_FENCED as the API version expects (<see cref="KafkaErrors.ForTransaction"/>).</summary>
internal sealed partial class KafkaRequestHandler
{
    /// <summary>InitProducerId with a transactional id: the coordinator bumps the id's epoch (fencing older instances and
    /// aborting their open transaction) and remembers the transaction timeout.</summary>
    private async Task<InitProducerIdApi.Response> InitTransactionalProducerIdAsync(short version, InitProducerIdApi.Request request)
    {
        var response = new InitProducerIdApi.Response();
        var timeout = TimeSpan.FromMilliseconds(request.TransactionTimeoutMs);
        if (timeout < MinTransactionTimeout || timeout > MaxTransactionTimeout)
        {
            response.ErrorCode = KafkaErrorCode.InvalidTransactionTimeout;
            return response;
        }

        try
        {
            var identity = await Coordinator(request.TransactionalId!).InitProducerIdAsync(timeout).ConfigureAwait(false);
            response.ProducerId = identity.ProducerId;
            response.ProducerEpoch = identity.ProducerEpoch;
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            response.ErrorCode = KafkaErrors.ForTransaction(Fail($"InitProducerId ({request.TransactionalId})", ex), version, producerFencedFrom: 4);
        }

        return response;
    }

    /// <summary>The coordinator's bounds on transaction.timeout.ms (1 s to 15 min); outside them Kafka's
    /// INVALID_TRANSACTION_TIMEOUT.</summary>
    private static readonly TimeSpan MinTransactionTimeout = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxTransactionTimeout = TimeSpan.FromMinutes(15);

    /// <summary>All partitions in one call to the coordinator (all or nothing): a bad topic name or partition index is
    /// UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as Kafka answers; a coordinator error is every
    /// partition's.</summary>
    private async Task<ResponseFrame?> AddPartitionsToTxnAsync(RequestHeader header, AddPartitionsToTxnApi.Request request)
    {
        var bad = request.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p)))
            .Where(tp => !TopicName.IsValid(tp.Name, out _) || tp.p < 0)
            .ToHashSet();
        KafkaErrorCode code;
        if (bad.Count > 0)
        {
            code = KafkaErrorCode.OperationNotAttempted;
        }
        else
        {
            code = KafkaErrorCode.None;
            try
            {
                var partitions = request.Topics.SelectMany(t => t.Partitions.Select(p => new TransactionPartition(t.Name, p))).Distinct().ToList();
                await Coordinator(request.TransactionalId).AddPartitionsAsync(Producer(request.ProducerId, request.ProducerEpoch), partitions).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                code = KafkaErrors.ForTransaction(Fail($"AddPartitionsToTxn ({request.TransactionalId})", ex), header.ApiVersion, producerFencedFrom: 2);
            }
        }

        var response = new TransactionPartitionsResponse();
        response.Topics.AddRange(request.Topics.Select(t => new TransactionPartitionsResponse.Topic(
            t.Name,
            [.. t.Partitions.Select(p => new TransactionPartitionsResponse.Partition(p, bad.Contains((t.Name, p)) ? KafkaErrorCode.UnknownTopicOrPartition : code))])));
        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<ResponseFrame?> AddOffsetsToTxnAsync(RequestHeader header, AddOffsetsToTxnApi.Request request)
    {
        var response = new TransactionResponse();
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
        }
        else
        {
            try
            {
                await Coordinator(request.TransactionalId).AddGroupAsync(Producer(request.ProducerId, request.ProducerEpoch), request.GroupId).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = KafkaErrors.ForTransaction(Fail($"AddOffsetsToTxn ({request.TransactionalId})", ex), header.ApiVersion, producerFencedFrom: 2);
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>Commit or abort without an epoch bump: Kafka producers before KIP-890 (EndTxn v5, not offered) keep their
    /// producer id and epoch for the next transaction.</summary>
    private async Task<ResponseFrame?> EndTxnAsync(RequestHeader header, EndTxnApi.Request request)
    {
        var response = new TransactionResponse();
        try
        {
            await Coordinator(request.TransactionalId)
                .EndTransactionAsync(Producer(request.ProducerId, request.ProducerEpoch), request.Committed, bumpEpoch: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            response.ErrorCode = KafkaErrors.ForTransaction(Fail($"EndTxn ({request.TransactionalId})", ex), header.ApiVersion, producerFencedFrom: 2);
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>The offsets pend in the group until the transaction ends (one all-or-nothing call to the group grain).
    /// v3+ carries the consumer's member id and generation, which the group checks (ILLEGAL_GENERATION for a stale one);
    /// before v3, and for a standalone consumer (generation -1), no member is checked.</summary>
    private async Task<ResponseFrame?> TxnOffsetCommitAsync(RequestHeader header, TxnOffsetCommitApi.Request request)
    {
        var errors = new Dictionary<(string Topic, int Partition), KafkaErrorCode>();
        var offsets = new List<CommittedOffset>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                var key = (topic.Name, partition.PartitionIndex);
                var code = !TopicName.IsValid(topic.Name, out _) || partition.PartitionIndex < 0 ? KafkaErrorCode.UnknownTopicOrPartition
                    : partition.CommittedOffset < 0 ? KafkaErrorCode.InvalidRequest
                    : partition.Metadata?.Length > MaxCommitMetadataChars ? KafkaErrorCode.OffsetMetadataTooLarge
                    : errors.ContainsKey(key) || offsets.Any(o => o.Topic == topic.Name && o.Partition == partition.PartitionIndex) ? KafkaErrorCode.InvalidRequest
                    : KafkaErrorCode.None;
                if (code == KafkaErrorCode.None)
                {
                    offsets.Add(new CommittedOffset(topic.Name, partition.PartitionIndex, partition.CommittedOffset, partition.Metadata));
                }
                else
                {
                    errors[key] = code;
                }
            }
        }

        var commitCode = KafkaErrorCode.None;
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            commitCode = KafkaErrorCode.InvalidGroupId;
        }
        else if (offsets.Count > 0)
        {
            var standalone = request.GenerationId < 0;
            try
            {
                await grains.GetGrain<IConsumerGroupGrain>(request.GroupId).CommitTransactionalOffsetsAsync(new TransactionalOffsetCommitRequest(
                    request.TransactionalId,
                    Producer(request.ProducerId, request.ProducerEpoch),
                    standalone ? "" : request.MemberId,
                    standalone ? -1 : request.GenerationId,
                    offsets)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                commitCode = KafkaErrors.ForTransaction(Fail($"TxnOffsetCommit ({request.TransactionalId}, {request.GroupId})", ex), header.ApiVersion, producerFencedFrom: 3);
            }
        }

        var response = new TransactionPartitionsResponse();
        response.Topics.AddRange(request.Topics.Select(t => new TransactionPartitionsResponse.Topic(
            t.Name,
            [.. t.Partitions.Select(p => new TransactionPartitionsResponse.Partition(p.PartitionIndex, errors.GetValueOrDefault((t.Name, p.PartitionIndex), commitCode)))])));
        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private ITransactionCoordinatorGrain Coordinator(string transactionalId) => grains.GetGrain<ITransactionCoordinatorGrain>(transactionalId);

    private static ProducerIdentity Producer(long producerId, short producerEpoch) => new(producerId, producerEpoch);
}
