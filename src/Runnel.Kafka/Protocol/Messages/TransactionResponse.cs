namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// AddOffsetsToTxn's and EndTxn's response (v0–v3 of both; flexible from v3 in both): a throttle time and an error code.
/// <code>
///   ThrottleTimeMs(int32) ErrorCode(int16) [tagged fields, v3+]
/// </code>
/// </summary>
internal sealed class TransactionResponse
{
    /// <summary>The first flexible version of both APIs.</summary>
    public const short FirstFlexibleVersion = 3;

    public KafkaErrorCode ErrorCode { get; set; }

    public void Write(ref KafkaWriter writer, short version)
    {
        writer.WriteInt32(0); // throttle time
        writer.WriteInt16((short)ErrorCode);
        if (version >= FirstFlexibleVersion)
        {
            writer.WriteEmptyTaggedFields();
        }
    }

    public static TransactionResponse Read(ref KafkaReader reader, short version)
    {
        reader.ReadInt32();
        var response = new TransactionResponse { ErrorCode = (KafkaErrorCode)reader.ReadInt16() };
        if (version >= FirstFlexibleVersion)
        {
            reader.SkipTaggedFields();
        }

        return response;
    }
}
