using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests;

/// <summary>
/// A stopping silo says goodbye on each connection: it stops reading, answers every call it read, then tells the
/// caller that whatever is still unanswered was never read, so those calls fail as not sent (retriable, rerouted)
/// instead of "dropped after the call was sent" with an unknown outcome.
/// </summary>
public sealed class GoodbyeTests
{
    [Fact]
    public async Task Goodbye_CallReadBeforeIsAnswered_CallSentAfterFailsAsNeverRun()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { ResponseTimeout = TimeSpan.FromSeconds(3) });
        var blocked = client.GetGrain<IBehaviorGrain>("a").BlockAsync().AsTask();
        await silo.Signals.WaitAsync("started:a");

        var goodbye = silo.Silo.Connections.SayGoodbyeAllAsync(CancellationToken.None);
        await Task.WhenAll(silo.Silo.Connections.Live.Select(c => c.ReadingStopped)).WaitAsync(TestSignals.HangGuard);
        var late = client.GetGrain<ICounterGrain>("late").AddAsync(1).AsTask();
        silo.Signals.Set("release:a");

        (await blocked.WaitAsync(TestSignals.HangGuard)).Should().BeGreaterThanOrEqualTo(0, "a call read before the goodbye is answered");
        var error = (await late.Awaiting(t => t).Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ConnectionLost, "the silo never read it: {0}", error);
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeFalse();
        silo.Store.Activations("late").Should().Be(0, "the call never ran");
        await goodbye.WaitAsync(TestSignals.HangGuard);
    }

    [Fact]
    public async Task StopAsync_ClientCallsWhileTheSiloStops_EveryCallAnsweredOrNeverRun()
    {
        // Calls race the stop: each either completes (it ran, exactly once) or fails as not sent/not run; none is left
        // with an unknown outcome by the silo closing its connections.
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { ResponseTimeout = TimeSpan.FromSeconds(3) });
        await client.GetGrain<ICounterGrain>("c").AddAsync(0);
        using var stop = new CancellationTokenSource();
        var calls = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var outcomes = new List<RunnelErrorCode?>();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.GetGrain<ICounterGrain>("c").AddAsync(1);
                    outcomes.Add(null);
                }
                catch (RunnelException ex)
                {
                    outcomes.Add(ex.Code);
                    break;
                }
            }

            return outcomes;
        })).ToArray();

        await Task.Delay(50);
        await silo.Silo.StopAsync(CancellationToken.None);
        await stop.CancelAsync();
        var outcomes = (await Task.WhenAll(calls).WaitAsync(TestSignals.HangGuard)).SelectMany(o => o).ToList();

        outcomes.Where(o => o is not null).Should().OnlyContain(o => o != RunnelErrorCode.OutcomeUnknown, "the silo answered or refused every call it read before closing");
        silo.Store.Load("c").Should().Be(outcomes.Count(o => o is null), "every call that ran was acknowledged and none ran unacknowledged");
    }
}
