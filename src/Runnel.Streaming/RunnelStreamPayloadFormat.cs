namespace Runnel.Streaming;

/// <summary>How a Runnel stream provider writes an event's bytes (see <see cref="RunnelStreamHeaders"/>).</summary>
public enum RunnelStreamPayloadFormat
{
    /// <summary>Orleans serialization of the event as <c>object</c> (its type travels inside): any type Orleans can
    /// serialize; other .NET readers need Orleans' serializer and the type.</summary>
    Orleans = 0,

    /// <summary>System.Text.Json of the event with its type in <see cref="RunnelStreamHeaders.EventType"/>: readable by
    /// any Runnel consumer; the type must round-trip through System.Text.Json.</summary>
    Json = 1,
}
