namespace Runnel.Runtime.Transport;

/// <summary>How an <see cref="OutboundChannel"/> connects: the preamble it sends and its limits.</summary>
/// <param name="ClusterId">Sent in the preamble; the silo rejects another cluster's connections.</param>
/// <param name="Sender">This side's name in the preamble (a client name, or a silo's <see cref="SiloAddress"/>).</param>
/// <param name="Role"><see cref="FrameFormat.RoleClient"/> or <see cref="FrameFormat.RoleSilo"/>.</param>
/// <param name="MaxFrameBytes">The largest frame sent or accepted.</param>
/// <param name="SendQueueCapacity">Frames that may wait to be written.</param>
/// <param name="ConnectTimeout">One attempt: TCP connect and preamble.</param>
/// <param name="ReconnectMinBackoff">After a failed attempt, calls fail fast this long before the next attempt; doubles per failure.</param>
/// <param name="ReconnectMaxBackoff">The cap of that wait.</param>
/// <param name="Time">Backoff clock.</param>
/// <param name="Gate">A silo's network gate (null for clients).</param>
internal sealed record ChannelSettings(
    string ClusterId,
    string Sender,
    byte Role,
    int MaxFrameBytes,
    int SendQueueCapacity,
    TimeSpan ConnectTimeout,
    TimeSpan ReconnectMinBackoff,
    TimeSpan ReconnectMaxBackoff,
    TimeProvider Time,
    NetworkGate? Gate);
