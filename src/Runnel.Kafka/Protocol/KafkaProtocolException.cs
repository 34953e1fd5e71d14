namespace Runnel.Kafka.Protocol;

/// <summary>A request's bytes cannot be decoded (truncated, a bad length, an unknown API or version). The connection
/// that sent it is closed, as a Kafka broker does: after a framing error nothing later on the stream can be trusted.</summary>
internal sealed class KafkaProtocolException(string message, Exception? innerException = null)
    : RunnelException(RunnelErrorCode.MalformedMessage, message, innerException);
