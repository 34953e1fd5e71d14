namespace Runnel.Runtime.Membership;

/// <summary>
/// What <see cref="FailureDetector"/> needs from the silo: probes over the data connections and the vote write. The
/// membership service implements it over grain calls and the store; tests implement it with scripted peers.
/// Implementations never throw: a failure is an answer (false, null) or a logged no-op.
/// </summary>
internal interface IProbeTransport
{
    /// <summary>Pings <paramref name="target"/> directly: true when it answered within <paramref name="timeout"/>.</summary>
    Task<bool> PingAsync(SiloAddress target, TimeSpan timeout);

    /// <summary>Asks <paramref name="via"/> to ping <paramref name="target"/> with <paramref name="timeout"/>: true or
    /// false is the intermediary's answer; null when the intermediary itself did not answer (which proves nothing).</summary>
    Task<bool?> ProbeIndirectAsync(SiloAddress via, SiloAddress target, TimeSpan timeout);

    /// <summary>Writes death votes of <paramref name="voters"/> against <paramref name="target"/> (see
    /// <see cref="MembershipRules.Suspect"/>).</summary>
    Task SuspectAsync(SiloAddress target, IReadOnlyList<SiloAddress> voters);
}
