using Runnel.Chaos.History;

namespace Runnel.Chaos.Checking;

/// <summary>A stretch during which producers could not write to <paramref name="Partition"/>, from the start of the first
/// failed (or stalled) attempt to the end of the first success after it; <paramref name="Cause"/> is the nemesis event
/// that preceded it (null when none did).</summary>
internal sealed record UnavailableWindow(int Partition, double StartSeconds, double EndSeconds, NemesisEvent? Cause)
{
    public double Seconds => EndSeconds - StartSeconds;
}
