namespace Runnel.Kafka.Protocol;

/// <summary>
/// A request's header. v1 (non-flexible APIs) and v2 (flexible: v1 plus tagged fields); v0 (no client id) is only
/// used by ControlledShutdown v0, which no client sends.
/// <code>
///  +-------------+-----------------+----------------+--------------------------+---------------------+
///  | api_key:i16 | api_version:i16 | correlation:i32| client_id: i16 len + utf8| tagged fields (v2)  |
///  +-------------+-----------------+----------------+--------------------------+---------------------+
/// </code>
/// The client id keeps its classic int16 length even in v2 (Kafka's rule, so a broker can read the header before it
/// knows whether the API version is flexible).
/// </summary>
internal readonly record struct RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads the fixed part (key, version, correlation id, client id). The caller decides from the key and
    /// version whether the header is v2 and then calls <see cref="KafkaReader.SkipTaggedFields"/>.</summary>
    public static RequestHeader Read(ref KafkaReader reader)
    {
        var key = reader.ReadInt16();
        var version = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString(compact: false);
        return new RequestHeader(key, version, correlationId, clientId);
    }

    public void Write(ref KafkaWriter writer, bool flexible)
    {
        writer.WriteInt16(ApiKey);
        writer.WriteInt16(ApiVersion);
        writer.WriteInt32(CorrelationId);
        writer.WriteNullableString(ClientId, compact: false);
        if (flexible)
        {
            writer.WriteEmptyTaggedFields();
        }
    }
}
