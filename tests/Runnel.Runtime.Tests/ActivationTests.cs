using Runnel.Runtime.Tests.Grains;

namespace Runnel.Runtime.Tests;

public sealed class ActivationTests
{
    [Fact]
    public async Task FirstCalls_ThousandConcurrent_CreateExactlyOneActivation()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ICounterGrain>("hot");

        var ids = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => grain.GetActivationIdAsync().AsTask()));

        silo.Store.Activations("hot").Should().Be(1);
        ids.Distinct().Should().ContainSingle();
        silo.Silo.ActivationCount.Should().Be(1);
    }

    [Fact]
    public async Task Grain_ConstructedWithInjectedServices_UsesThem()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        silo.Store.Save("seeded", 40);

        var value = await client.GetGrain<ICounterGrain>("seeded").AddAsync(2);

        value.Should().Be(42);
    }

    [Fact]
    public async Task Activation_OnActivateThrows_CallFailsWithActivationFailedAndNextCallActivatesAfresh()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        silo.Faults.FailNextActivation("flaky");
        var grain = client.GetGrain<ILifecycleGrain>("flaky");

        var failed = () => grain.PingAsync().AsTask();

        var error = (await failed.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ActivationFailed);
        error.IsRetriable.Should().BeTrue();
        error.Message.Should().Contain("store unavailable during activation");
        (await grain.PingAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Deactivation_OnDeactivateThrows_CallQueuedBehindItFailsWithActivationFailed()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        silo.Faults.FailDeactivations("doomed");
        var grain = client.GetGrain<ILifecycleGrain>("doomed");

        var first = grain.DeactivateAfterGateAsync().AsTask();
        await silo.Signals.WaitAsync("started:doomed");
        var queued = grain.PingAsync().AsTask();
        await MarkerAsync(client);
        silo.Signals.Set("release:doomed");
        await first;

        var error = (await queued.Invoking(t => t).Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ActivationFailed);
        error.Message.Should().Contain("could not save state");
    }

    [Fact]
    public async Task DeactivateOnIdle_CallQueuedBehindIt_RunsOnANewActivation()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ILifecycleGrain>("recycled");

        var first = grain.DeactivateAfterGateAsync().AsTask();
        await silo.Signals.WaitAsync("started:recycled");
        var queued = grain.PingAsync().AsTask();
        await MarkerAsync(client);
        silo.Signals.Set("release:recycled");
        await first;

        (await queued).Should().Be(1);
    }

    [Fact]
    public async Task GrainCallsGrain_InsideTheSilo_ReachesTheOtherGrain()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();

        var total = await client.GetGrain<IBehaviorGrain>("caller").AddToCounterAsync("callee", 5);
        var direct = await client.GetGrain<ICounterGrain>("callee").GetAsync();

        total.Should().Be(5);
        direct.Should().Be(5);
    }

    /// <summary>
    /// A call to another grain on the same connection, sent after the call under test: the silo reads frames of a
    /// connection in order and queues each in its mailbox before reading the next, so once this completes, the
    /// earlier call is in its grain's mailbox.
    /// </summary>
    private static Task MarkerAsync(Client.RunnelClient client) => client.GetGrain<ICounterGrain>("marker").AddAsync(1).AsTask();
}
