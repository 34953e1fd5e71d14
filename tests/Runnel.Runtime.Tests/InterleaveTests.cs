using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests;

public sealed class InterleaveTests
{
    [Fact]
    public async Task AlwaysInterleaveCall_WhileExclusiveCallRuns_RunsAlongsideIt()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<IInterleaveGrain>("overlap");

        // The exclusive call completes only once the always-interleave call has run: a barrier, not a timing.
        var hold = grain.HoldUntilPassedAsync().AsTask();
        await silo.Signals.WaitAsync("holding:overlap");
        await grain.PassAsync();
        await hold;

        hold.IsCompletedSuccessfully.Should().BeTrue();
    }

    [Fact]
    public async Task AlwaysInterleaveCalls_Many_RunAtTheSameTime()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<IInterleaveGrain>("meet");

        // The first calls reach a fresh activation (they queue behind its activation); the rest skip the mailbox.
        var met = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => grain.MeetAsync(8).AsTask()));

        met.Should().AllBeEquivalentTo(8);
    }

    [Fact]
    public async Task Deactivation_WithAlwaysInterleaveCallInFlight_WaitsForItBeforeOnDeactivate()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<IInterleaveGrain>("drain");
        var blocked = grain.BlockAsync().AsTask();
        await silo.Signals.WaitAsync("blocked:drain");

        await grain.DeactivateSoonAsync();
        await silo.Logs.WaitForAsync(e => e.Message.Contains("/drain waits for 1 always-interleave", StringComparison.Ordinal));
        silo.Signals.Set("release:drain");

        (await blocked).Should().BeFalse("OnDeactivateAsync must not run while the call is in flight");
        (await grain.GetActivationNumberAsync()).Should().Be(2, "a new activation serves calls once the old one is gone");
        silo.Probe.InsideAtDeactivation.Should().Contain("drain", 0);
    }

    [Fact]
    public async Task AlwaysInterleaveCall_AfterDeactivationBegan_GoesToTheNextActivation()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<IInterleaveGrain>("next");
        var blocked = grain.BlockAsync().AsTask();
        await silo.Signals.WaitAsync("blocked:next");
        await grain.DeactivateSoonAsync();
        await silo.Logs.WaitForAsync(e => e.Message.Contains("/next waits for 1 always-interleave", StringComparison.Ordinal));

        // Deactivation has begun: this call must not start on the old activation; it waits for it to finish.
        var number = grain.GetActivationNumberAsync().AsTask();
        silo.Signals.Set("release:next");

        (await blocked).Should().BeFalse();
        (await number).Should().Be(2);
        silo.Probe.InsideAtDeactivation.Should().Contain("next", 0);
    }
}
