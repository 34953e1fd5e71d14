using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>A fresh producer id (epoch 0) from the producer-id grain. An epoch-bump request (v3+: the producer sends
    /// its current id and epoch after a sequence error) also gets a fresh id: for an idempotent producer a new id is as
    /// good as a bumped epoch (its sequences start again at 0). With a transactional id the transactional id's coordinator
    /// answers (<see cref="InitTransactionalProducerIdAsync"/>).</summary>
    private async Task<ResponseFrame?> InitProducerIdAsync(RequestHeader header, InitProducerIdApi.Request request)
    {
        var response = new InitProducerIdApi.Response();
        if (request.TransactionalId is not null)
        {
            response = await InitTransactionalProducerIdAsync(header.ApiVersion, request).ConfigureAwait(false);
        }
        else
        {
            try
            {
                var identity = await grains.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey).AllocateAsync().ConfigureAwait(false);
                response.ProducerId = identity.ProducerId;
                response.ProducerEpoch = identity.ProducerEpoch;
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                var code = Fail("InitProducerId", ex);

                // NOT_LEADER_OR_FOLLOWER means nothing to InitProducerId: the retriable code clients expect here is
                // COORDINATOR_NOT_AVAILABLE.
                response.ErrorCode = code is KafkaErrorCode.NotLeaderOrFollower or KafkaErrorCode.KafkaStorageError or KafkaErrorCode.RequestTimedOut
                    ? KafkaErrorCode.CoordinatorNotAvailable
                    : code;
            }
        }

        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }
}
