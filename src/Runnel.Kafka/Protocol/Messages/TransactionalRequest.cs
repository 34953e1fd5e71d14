namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// What AddPartitionsToTxn, AddOffsetsToTxn and EndTxn requests open with: the producer's transactional id, producer id
/// and epoch (TxnOffsetCommit carries the same three with its group id in between, so it reads them itself).
/// <code>
///   TransactionalId(string) ProducerId(int64) ProducerEpoch(int16) ...the API's own fields
/// </code>
/// </summary>
internal abstract class TransactionalRequest
{
    public string TransactionalId { get; set; } = "";

    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    protected void ReadHeader(ref KafkaReader reader, bool compact)
    {
        TransactionalId = reader.ReadString(compact);
        ProducerId = reader.ReadInt64();
        ProducerEpoch = reader.ReadInt16();
    }

    protected void WriteHeader(ref KafkaWriter writer, bool compact)
    {
        writer.WriteString(TransactionalId, compact);
        writer.WriteInt64(ProducerId);
        writer.WriteInt16(ProducerEpoch);
    }
}
