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
}

/// <summary>One nemesis action on silo <paramref name="Silo"/> (-1 for the store), from when it began to when the
/// cluster was whole again (seconds since the run started).</summary>
internal sealed record NemesisEvent(NemesisKind Kind, int Silo, double StartSeconds, double EndSeconds);
