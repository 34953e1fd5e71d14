using Runnel.Chaos.History;

namespace Runnel.Chaos.Workload;

/// <summary>
/// The consuming side of the workload, pluggable: it reads the topic while the nemesis runs and records every delivery
/// (and, for a group member, every acknowledged commit) for <see cref="Checking.HistoryChecker"/>.
/// </summary>
/// <remarks>
/// <see cref="GroupConsumer"/> (the default) runs several members of one consumer group that commit by hand after
/// processing and records every delivery and every commit the group grain acknowledged (in acknowledgement order); the
/// checker then verifies that committed offsets never go backwards and that every offset below the last commit was
/// delivered at least once. <see cref="ManualAssignmentConsumer"/> (<c>--consumer manual</c>) reads every partition by
/// manual assignment and commits nothing (<see cref="Commits"/> is null, so the commit checks are off).
/// </remarks>
internal interface IChaosConsumer : IAsyncDisposable
{
    /// <summary>For the report, e.g. <c>manual</c>.</summary>
    string Name { get; }

    /// <summary>Starts consuming in the background.</summary>
    void Start();

    /// <summary>Waits until every partition was delivered up to <paramref name="highWatermarks"/> (partition → offset),
    /// at most <paramref name="timeout"/>, then stops consuming. False when it did not catch up in time.</summary>
    Task<bool> CatchUpAndStopAsync(IReadOnlyDictionary<int, long> highWatermarks, TimeSpan timeout);

    /// <summary>Every delivery, in arrival order.</summary>
    IReadOnlyList<Delivery> Deliveries { get; }

    /// <summary>Acknowledged commits, or null when this consumer does not commit.</summary>
    IReadOnlyList<Commit>? Commits { get; }

    /// <summary>How often consuming failed and was started again from the last positions.</summary>
    int Restarts { get; }

    /// <summary>Commits that failed or were refused (retried by the next commit); 0 when this consumer does not commit.</summary>
    int CommitFailures { get; }
}
