using Runnel.Client;

namespace Runnel.Chaos.Compact;

/// <summary>
/// The harness's own cleaner: every <see cref="Interval"/> asks every partition of the topic for a compaction pass now
/// (<see cref="IAdminClient.CompactTopicAsync"/>), beside the silos' own cleaner, while the nemesis kills and pauses
/// silos. A pass that fails (its partition is moving) is counted and the next tick tries again. Counts what the passes
/// did so the report shows the cleaner ran.
/// </summary>
internal sealed class CompactionCleaner(IAdminClient admin, string topic)
{
    /// <summary>Often enough that many passes run within a 45 s run, seldom enough not to crowd out the producers on two
    /// cores.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    /// <summary>One round over every partition gives up after this long (a paused silo's partition waits its turn).</summary>
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Passes that cleaned at least one segment.</summary>
    public int Passes { get; private set; }

    /// <summary>Records the passes removed (read minus kept).</summary>
    public long RecordsRemoved { get; private set; }

    /// <summary>Rounds that failed or timed out (allowed: the cluster was being hurt).</summary>
    public int Failures { get; private set; }

    /// <summary>Runs rounds until <paramref name="stop"/> fires. Not concurrent with itself.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                using var round = CancellationTokenSource.CreateLinkedTokenSource(stop);
                round.CancelAfter(RoundTimeout);
                try
                {
                    foreach (var pass in await admin.CompactTopicAsync(topic, round.Token).ConfigureAwait(false))
                    {
                        if (pass.SegmentsCleaned > 0)
                        {
                            Passes++;
                            RecordsRemoved += pass.RecordsRead - pass.RecordsKept;
                        }
                    }
                }
                catch (Exception ex) when (ex is RunnelException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
                {
                    Failures++;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run's cleaning time is over.
        }
    }
}
