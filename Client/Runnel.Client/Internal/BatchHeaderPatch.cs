using System.Buffers.Binary;
using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>
/// Writes an idempotent producer's fields into a finished RecordBatch v2 and re-seals its CRC. The producer builds a
/// batch's records as they arrive but learns its producer id and base sequence only when the batch is first sent, so
/// it patches them in then (once; retries resend the same bytes).
/// <code>
///  byte  0        8           12                    16      17    21           23               27
///  +------------+-----------+---------------------+-------+-----+------------+----------------+
///  | baseOffset | batchLen  | partitionLeaderEpoch| magic | crc | attributes | lastOffsetDelta| ...
///  +------------+-----------+---------------------+-------+-----+------------+----------------+
///  byte 27               35             43           51              53             57          61
///  +---------------+--------------+------------+---------------+--------------+-------------+
///  | baseTimestamp | maxTimestamp | producerId | producerEpoch | baseSequence | recordCount | records...
///  +---------------+--------------+------------+---------------+--------------+-------------+
/// </code>
/// The CRC-32C covers attributes to the end, so it is recomputed after the patch.
/// </summary>
internal static class BatchHeaderPatch
{
    private const int CrcOffset = 17;
    private const int ProducerIdOffset = 43;
    private const int ProducerEpochOffset = 51;
    private const int BaseSequenceOffset = 53;

    public static void SetProducer(Span<byte> batch, long producerId, short producerEpoch, int baseSequence)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch[ProducerIdOffset..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[ProducerEpochOffset..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[BaseSequenceOffset..], baseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], RecordBatch.ComputeCrc(batch));
    }

    /// <summary>Kafka's sequence arithmetic: sequences wrap from <see cref="int.MaxValue"/> to 0.</summary>
    public static int IncrementSequence(int sequence, int increment) =>
        sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;
}
