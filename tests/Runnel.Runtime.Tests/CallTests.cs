using Runnel.Runtime.Client;
using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;
using Runnel.Testing;

namespace Runnel.Runtime.Tests;

public sealed class CallTests
{
    [Fact]
    public async Task Echo_RecordWithEveryMemberKind_RoundTripsOverTheWire()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var sent = new Payload("orders", 41)
        {
            Data = new byte[] { 1, 2, 3 },
            Color = Color.Blue,
            At = new DateTimeOffset(2026, 5, 17, 8, 30, 0, TimeSpan.FromHours(2)),
            Span = TimeSpan.FromMilliseconds(1500),
            Id = Guid.NewGuid(),
            Maybe = -7,
            Tags = ["a", "ü", ""],
            Counters = new() { ["x"] = long.MinValue, ["y"] = long.MaxValue },
            Child = new Payload("child", 1),
            Raw = [9, 8],
            Ratio = 0.25,
            Offsets = [0, 1L << 40],
        };

        var back = await client.GetGrain<IBehaviorGrain>("echo").EchoAsync(sent);

        back.Should().BeEquivalentTo(sent with { Count = 42 }, o => o.Excluding(p => p.Data).Excluding(p => p.Child!.Data));
        back.Data.ToArray().Should().Equal(1, 2, 3);
        back.Missing.Should().BeNull();
    }

    [Fact]
    public async Task Mirror_ArrayOfStructsAndEnumKeyedDictionary_RoundTrips()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();

        var result = await client.GetGrain<IBehaviorGrain>("mirror").MirrorAsync(
            [new Point { X = 1, Y = 2 }, new Point { X = -3, Y = 4 }],
            new() { [Color.Red] = "red", [Color.Blue] = null });

        result.Should().Equal(new Point { X = -1, Y = -2 }, new Point { X = 3, Y = -4 }, new Point { X = 2, Y = 1 });
    }

    [Fact]
    public async Task GrainThrowsRunnelException_CallerGetsCodeMessageAndFlags()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();

        var call = () => client.GetGrain<IBehaviorGrain>("e").ThrowRunnelAsync(RunnelErrorCode.OffsetOutOfRange, retriable: true, "offset 99 is past the end").AsTask();

        var error = (await call.Should().ThrowExactlyAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
        error.Message.Should().Be("offset 99 is past the end");
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeFalse();
    }

    [Fact]
    public async Task GrainThrowsOtherException_CallerGetsGrainCallFailedWithRemoteTypeAndMessage()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();

        var call = () => client.GetGrain<IBehaviorGrain>("e").ThrowPlainAsync("bad state").AsTask();

        var error = (await call.Should().ThrowAsync<GrainCallFailedException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.GrainCallFailed);
        error.RemoteExceptionType.Should().Be("System.InvalidOperationException");
        error.Message.Should().Be("bad state");
    }

    [Fact]
    public async Task CallerCancels_AfterTheCallStarted_GrainTokenFiresAndCallerSeesCancellation()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        using var cts = new CancellationTokenSource();

        var call = client.GetGrain<IBehaviorGrain>("c").WaitForCancelAsync(cts.Token).AsTask();
        await silo.Signals.WaitAsync("started:c");
        await cts.CancelAsync();

        await call.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        await silo.Signals.WaitAsync("cancelled:c");
    }

    [Fact]
    public async Task Deadline_PassesWhileTheGrainRuns_CallFailsWithOutcomeUnknownAndGrainIsCancelled()
    {
        await using var silo = await SiloHarness.StartAsync();
        var clientTime = new ManualTimeProvider();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { ResponseTimeout = TimeSpan.FromSeconds(5) }, clientTime);

        var call = client.GetGrain<IBehaviorGrain>("slow").BlockAsync().AsTask();
        await silo.Signals.WaitAsync("started:slow");
        clientTime.Advance(TimeSpan.FromSeconds(6));

        var error = (await call.Invoking(t => t).Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
        error.IsOutcomeUnknown.Should().BeTrue();
        await silo.Signals.WaitAsync("cancelled:slow");
    }

    [Fact]
    public async Task ConnectionDrops_WithACallInFlight_CallFailsAtOnceAndClientReconnects()
    {
        await using var silo = await SiloHarness.StartAsync();
        await using var proxy = new TcpProxy(silo.Endpoint);
        var client = await silo.ConnectAsync(silo.ClientOptions(proxy.Endpoint) with { ResponseTimeout = TimeSpan.FromMinutes(5) });

        var call = client.GetGrain<IBehaviorGrain>("dropped").BlockAsync().AsTask();
        await silo.Signals.WaitAsync("started:dropped");
        proxy.DropAll();

        // Long before the 5-minute deadline: the drop itself fails the call.
        var error = (await call.Invoking(t => t.WaitAsync(TestSignals.HangGuard)).Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
        error.IsOutcomeUnknown.Should().BeTrue();
        await silo.Signals.WaitAsync("cancelled:dropped");

        (await client.GetGrain<ICounterGrain>("after").AddAsync(1).AsTask().WaitAsync(TestSignals.HangGuard)).Should().Be(1);
        client.IsConnected.Should().BeTrue();
    }

    [Fact]
    public async Task DisposedClient_CallsInFlight_FailWithoutWaitingForTheDeadline()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { ResponseTimeout = TimeSpan.FromMinutes(5) });

        var call = client.GetGrain<IBehaviorGrain>("orphan").BlockAsync().AsTask();
        await silo.Signals.WaitAsync("started:orphan");
        await client.DisposeAsync();

        var error = (await call.Invoking(t => t.WaitAsync(TestSignals.HangGuard)).Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
    }

    [Fact]
    public async Task Connect_SiloNotListening_FailsWithConnectionLost()
    {
        await using var silo = await SiloHarness.StartAsync();
        var endpoint = silo.Endpoint;
        await silo.Host.StopAsync();

        await using var client = new RunnelClient(RunnelClientOptions.Default with { Endpoint = endpoint.ToString(), ClusterId = "test" });
        var connect = () => client.ConnectAsync();

        (await connect.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.ConnectionLost);
    }
}
