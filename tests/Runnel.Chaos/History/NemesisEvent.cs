namespace Runnel.Chaos.History;

/// <summary>What the nemesis did to the cluster.</summary>
internal enum NemesisKind
{
    /// <summary>SIGKILL, then a new process on the same ports a few seconds later.</summary>
    Kill,

    /// <summary>SIGSTOP long enough to be declared dead, then SIGCONT (the zombie), then a restart if it ended itself.</summary>
    Pause,

    /// <summary>SIGTERM (graceful: partitions sealed and released), then a new process.</summary>
    Restart,

    /// <summary>The store stops answering for a while (Azurite SIGSTOPped), for every silo at once.</summary>
    StoreFault,

    /// <summary>A consumer-group member stops without committing or leaving; a new member joins a few seconds later.</summary>
    MemberCrash,

    /// <summary>A consumer-group member closes gracefully (commits, leaves) and a new member joins.</summary>
    MemberRestart,
}

/// <summary>One nemesis action on silo <paramref name="Silo"/> (-1 for the store; the member's index for a member
/// action), from when it began to when the cluster (or the group) was whole again (seconds since the run started).</summary>
internal sealed record NemesisEvent(NemesisKind Kind, int Silo, double StartSeconds, double EndSeconds);
