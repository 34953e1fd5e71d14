using Runnel.Log;
using Runnel.Log.Batches;

namespace Runnel.Grains;

public sealed partial class PartitionGrain
{
    /// <summary>
    /// Appends a commit or abort marker for the producer (a control batch: transactional and control flags, the producer's
    /// id and the marker's epoch, no sequence, one control record) under the producers' lock, so it lands after every
    /// batch of the producer admitted before it. The producer's epoch here becomes the marker's, fencing older epochs.
    /// The log ends the producer's open transaction (moving the last stable offset) when the marker is durable.
    /// </summary>
    public async ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marker);
        if (marker.ProducerId < 0 || marker.ProducerEpoch < 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"A transaction marker needs a producer id and epoch (got producer {marker.ProducerId}, epoch {marker.ProducerEpoch}).");
        }

        var log = ServingLog();
        var batch = BuildMarker(marker, _time.GetUtcNow().ToUnixTimeMilliseconds());
        var validated = RecordBatch.ValidateForAppend(batch);
        try
        {
            Task<LogAppendResult> append;
            while (true)
            {
                lock (_producersGate)
                {
                    _producers.CheckMarker(marker.ProducerId, marker.ProducerEpoch, Name);
                    if (log.TryAppend(validated, out append))
                    {
                        if (!append.IsFaulted)
                        {
                            _producers.EndTransaction(marker.ProducerId, marker.ProducerEpoch);
                        }

                        break;
                    }
                }

                await log.WaitForAppendRoomAsync(batch.Length, cancellationToken);
            }

            var result = await AwaitDurableAsync(append, batch.Length, 1);
            LogMarkerWritten(_logger, Name, marker.ProducerId, marker.ProducerEpoch, marker.Commit ? "commit" : "abort", result.BaseOffset);
            await SaveProducerStateIfDueAsync(batch.Length);
            return result.BaseOffset;
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    /// <summary>A marker's control batch (Kafka's layout: one control record whose key is the marker type), with the
    /// transaction's participant partitions in a header when the coordinator named them (see <see cref="ControlRecords"/>).</summary>
    internal static byte[] BuildMarker(TransactionMarker marker, long timestamp)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions
        {
            ProducerId = marker.ProducerId,
            ProducerEpoch = marker.ProducerEpoch,
            BaseSequence = -1,
            IsTransactional = true,
            IsControlBatch = true,
        });
        var type = marker.Commit ? ControlRecordType.Commit : ControlRecordType.Abort;
        if (marker.Participants is { } participants)
        {
            builder.AppendControlRecord(timestamp, type, marker.CoordinatorEpoch, [new RecordHeader(ControlRecords.ParticipantsHeader, ControlRecords.EncodeParticipants(marker.TransactionId, participants))]);
        }
        else
        {
            builder.AppendControlRecord(timestamp, type, marker.CoordinatorEpoch);
        }
        return builder.ToArray();
    }
}
