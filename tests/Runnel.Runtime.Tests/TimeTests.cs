using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;
using Runnel.Testing;

namespace Runnel.Runtime.Tests;

public sealed class TimeTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Timer_TicksAreTurnsAndPeriodCountsFromCompletion()
    {
        var time = new ManualTimeProvider();
        await using var silo = await SiloHarness.StartAsync(time: time);
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ITimerGrain>("t");
        await grain.StartAsync(Period, Period);

        time.Advance(Period);
        await silo.Signals.WaitAsync("tick:t:1");

        // The first tick is still running: five more periods pass, and no tick may start meanwhile.
        time.Advance(Period * 5);
        var during = grain.GetStatsAsync().AsTask();
        silo.Signals.Set("release:t:1");
        (await during.WaitAsync(TestSignals.HangGuard))[0].Should().Be(1, "no tick was due while the first one ran");

        // The next tick is due one period after the first one completed.
        time.Advance(Period - TimeSpan.FromSeconds(1));
        (await grain.GetStatsAsync())[0].Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(1));
        await silo.Signals.WaitAsync("tick:t:2");
        silo.Signals.Set("release:t:2");

        var stats = await grain.GetStatsAsync();
        stats[0].Should().Be(2);
        stats[1].Should().Be(1, "ticks and calls never overlap");
    }

    [Fact]
    public async Task IdleGrain_AfterCollectionAge_DeactivatesAndReactivatesWithItsState()
    {
        var time = new ManualTimeProvider();
        await using var silo = await SiloHarness.StartAsync(
            o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(10);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            },
            time);
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ICounterGrain>("idle");
        (await grain.AddAsync(5)).Should().Be(5);

        time.Advance(TimeSpan.FromMinutes(9));
        silo.Store.Signals.IsSet("saved:idle").Should().BeFalse("the grain is not idle long enough yet");
        time.Advance(TimeSpan.FromMinutes(2));
        await silo.Store.Signals.WaitAsync("saved:idle");

        (await grain.AddAsync(2)).Should().Be(7);
        silo.Store.Activations("idle").Should().Be(2);
    }

    [Fact]
    public async Task BusyGrain_CalledWithinCollectionAge_StaysActive()
    {
        var time = new ManualTimeProvider();
        await using var silo = await SiloHarness.StartAsync(
            o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(10);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            },
            time);
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ICounterGrain>("busy");

        for (var i = 0; i < 5; i++)
        {
            await grain.AddAsync(1);
            time.Advance(TimeSpan.FromMinutes(6));
        }

        (await grain.GetAsync()).Should().Be(5);
        silo.Store.Activations("busy").Should().Be(1);
    }
}
