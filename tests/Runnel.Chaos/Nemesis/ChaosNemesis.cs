using Runnel.Chaos.Cluster;
using Runnel.Chaos.History;
using Runnel.Chaos.Workload;

namespace Runnel.Chaos.Nemesis;

/// <summary>
/// The seeded adversary. Every 2–10 s (after the previous action has healed) it picks one action and one silo:
/// <list type="bullet">
/// <item><see cref="NemesisKind.Kill"/>: SIGKILL, a new process 2–5 s later;</item>
/// <item><see cref="NemesisKind.Pause"/>: SIGSTOP for 8–12 s (membership declares a hung silo dead in ~3–4 s), SIGCONT,
/// then the zombie is given 15 s to read that it was declared dead and end itself (Orleans fails the process fast); it
/// is restarted once gone;</item>
/// <item><see cref="NemesisKind.Restart"/>: SIGTERM (partitions sealed and released), a new process;</item>
/// <item><see cref="NemesisKind.StoreFault"/>, when the store has a fault hook (Azurite): the store frozen for 1–5 s.</item>
/// </list>
/// One action at a time, so at most one silo is down; the same seed gives the same schedule of actions (their timing
/// also depends on how fast silos start).
/// </summary>
internal sealed class ChaosNemesis(IReadOnlyList<ChaosSilo> silos, ChaosStore store, RunClock clock, int seed, TextWriter log)
{
    /// <summary>A zombie that has not ended itself by then is left running (and reported); the cluster has fenced it.</summary>
    private static readonly TimeSpan ZombieGrace = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(45);

    private readonly Random _random = new(seed);
    private readonly List<NemesisEvent> _events = [];

    public IReadOnlyList<NemesisEvent> Events => _events;

    /// <summary>Zombies (paused silos) that were still running <see cref="ZombieGrace"/> after SIGCONT.</summary>
    public int SurvivingZombies { get; private set; }

    /// <summary>Paused silos already gone when their SIGCONT was due. Orleans has no sibling that kills a silo declared
    /// dead (the old runtime's fencing by killing did), so this stays 0; kept so runs compare with the old figures.</summary>
    public int FencedZombies { get; private set; }

    /// <summary>Acts until <paramref name="stop"/> fires; the action under way when it fires is finished (the cluster is
    /// whole again when this returns). Bounded: each action is bounded, and no new one starts after <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var kinds = new List<NemesisKind> { NemesisKind.Kill, NemesisKind.Pause, NemesisKind.Restart };
        if (store.SupportsFaults)
        {
            kinds.Add(NemesisKind.StoreFault);
        }

        while (true)
        {
            var wait = TimeSpan.FromSeconds(2 + (_random.NextDouble() * 8));
            var kind = kinds[_random.Next(kinds.Count)];
            var silo = silos[_random.Next(silos.Count)];
            try
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await ReviveCrashedAsync().ConfigureAwait(false);
            var start = clock.Now;
            await (kind switch
            {
                NemesisKind.Kill => KillAsync(silo),
                NemesisKind.Pause => PauseAsync(silo),
                NemesisKind.Restart => RestartAsync(silo),
                _ => StoreFaultAsync(),
            }).ConfigureAwait(false);
            var end = clock.Now;
            _events.Add(new NemesisEvent(kind, kind == NemesisKind.StoreFault ? -1 : silo.Index, start, end));
            await log.WriteLineAsync($"  [{start,7:0.0}s] {Describe(kind, silo)} — healed after {end - start:0.0} s").ConfigureAwait(false);
        }
    }

    /// <summary>Silos whose process exited without the nemesis ending it (not expected: the report shows them).</summary>
    public int UnexpectedExits { get; private set; }

    /// <summary>Starts again any silo whose process ended on its own since the last action.</summary>
    private async Task ReviveCrashedAsync()
    {
        foreach (var silo in silos.Where(s => !s.IsRunning))
        {
            UnexpectedExits++;
            await log.WriteLineAsync($"  [{clock.Now,7:0.0}s] silo {silo.Index} had exited on its own; starting it again").ConfigureAwait(false);
            silo.ReapIfExited();
            await silo.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Describe(NemesisKind kind, ChaosSilo silo) => kind switch
    {
        NemesisKind.Kill => $"kill -9 silo {silo.Index}",
        NemesisKind.Pause => $"SIGSTOP/SIGCONT silo {silo.Index}",
        NemesisKind.Restart => $"graceful restart of silo {silo.Index}",
        _ => "store frozen",
    };

    private async Task KillAsync(ChaosSilo silo)
    {
        await silo.KillAsync().ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(2 + (_random.NextDouble() * 3))).ConfigureAwait(false);
        await silo.StartAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task PauseAsync(ChaosSilo silo)
    {
        silo.Pause();
        await Task.Delay(TimeSpan.FromSeconds(8 + (_random.NextDouble() * 4))).ConfigureAwait(false);
        if (!silo.IsRunning)
        {
            FencedZombies++;
        }

        silo.Resume();
        if (await silo.WaitForExitAsync(ZombieGrace).ConfigureAwait(false))
        {
            silo.ReapIfExited();
            await silo.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            SurvivingZombies++;
        }
    }

    private async Task RestartAsync(ChaosSilo silo)
    {
        await silo.TerminateAsync(TerminateGrace).ConfigureAwait(false);
        await silo.StartAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task StoreFaultAsync()
    {
        store.Freeze();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1 + (_random.NextDouble() * 4))).ConfigureAwait(false);
        }
        finally
        {
            store.Thaw();
        }
    }
}
