using Runnel.Runtime.Tests.Grains;

namespace Runnel.Runtime.Tests;

public sealed class TurnTests
{
    [Fact]
    public async Task ExclusiveCalls_ManyConcurrent_NeverOverlapAndEachGetsItsOwnTurn()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ITurnGrain>("serial");

        var turns = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => grain.EnterAsync().AsTask()));

        turns.Order().Should().Equal(Enumerable.Range(1, 300));
        (await grain.GetMaxInsideAsync()).Should().Be(1);
    }

    [Fact]
    public async Task ReadOnlyCalls_Two_RunAtTheSameTime()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var grain = client.GetGrain<ITurnGrain>("readers");

        // Each call waits inside the grain until both are inside: this only completes if they interleave.
        var met = await Task.WhenAll(grain.MeetAsync(2).AsTask(), grain.MeetAsync(2).AsTask());

        met.Should().Equal(2, 2);
        (await grain.GetMaxInsideAsync()).Should().Be(2);
    }

    [Fact]
    public async Task Calls_ManyInFlightOnOneConnection_AllComplete()
    {
        await using var silo = await Infrastructure.SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 512).Select(i => client.GetGrain<ICounterGrain>("m" + (i % 16)).AddAsync(1).AsTask()));

        results.Should().HaveCount(512);
        var totals = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => client.GetGrain<ICounterGrain>("m" + i).GetAsync().AsTask()));
        totals.Should().AllBeEquivalentTo(32);
    }
}
