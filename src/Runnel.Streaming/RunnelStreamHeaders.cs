namespace Runnel.Streaming;

/// <summary>
/// The record format of an Orleans stream event in a Runnel topic. One event is one record:
/// <code>
///   key      the stream id's key bytes (StreamId.Key: UTF-8 of a string key, a Guid key as 32 hex digits)
///   value    the payload, as orleans-payload says
///   headers  orleans-ns       UTF-8 stream namespace
///            orleans-type     the event's .NET type (informational for "orleans", required for "json")
///            orleans-payload  "orleans": Orleans serialization of the event as object (type included)
///                             "json":    System.Text.Json of the event, typed by orleans-type
///                             absent:    the value's bytes are the event (a byte[]): any Runnel producer's record
/// </code>
/// The partition is Murmur2 of the key (the Runnel client's default partitioner), so a Runnel producer that writes the
/// same key lands on the same partition as the stream. A record without <c>orleans-ns</c> belongs to the namespace
/// its topic is declared for (refused when several namespaces share the topic); a record without a key is skipped.
/// </summary>
public static class RunnelStreamHeaders
{
    /// <summary>The stream namespace (UTF-8).</summary>
    public const string Namespace = "orleans-ns";

    /// <summary>The event's type: <c>Type.FullName, assembly simple name</c>.</summary>
    public const string EventType = "orleans-type";

    /// <summary>The payload format: <see cref="OrleansPayload"/> or <see cref="JsonPayload"/>; absent for raw bytes.</summary>
    public const string Payload = "orleans-payload";

    /// <summary>Orleans serialization of the event written as <c>object</c>.</summary>
    public const string OrleansPayload = "orleans";

    /// <summary>System.Text.Json of the event, its type named by <see cref="EventType"/>.</summary>
    public const string JsonPayload = "json";
}
