using Runnel.Runtime.Internal;
using Runnel.Runtime.Placement;
using Runnel.Runtime.Routing;
using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Tests.Cluster;

public sealed class RoutedCallTests
{
    private static readonly SiloAddress Me = new("127.0.0.1:7000", 1);

    [Fact]
    public async Task WrongOwner_EveryAttempt_GivesUpAfterTwoForwardsWithRetriableWrongOwner()
    {
        var context = new ScriptedContext(_ => new WrongOwnerException(99, Me.ToString(), "not mine"));
        var grain = new RoutedInvoker(context).GetGrain<ICounterGrain>("looping");

        var call = () => grain.AddAsync(1).AsTask();

        var error = (await call.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.WrongOwner);
        error.IsRetriable.Should().BeTrue();
        context.Dispatches.Should().Be(1 + RoutedCall<int>.MaxForwardCount);
        context.Refreshes.Should().Equal(99, 99);
    }

    [Fact]
    public async Task WrongOwner_ThenOwnerUnderRefreshedView_RunsThere()
    {
        var context = new ScriptedContext(attempt => attempt == 0 ? new WrongOwnerException(5, Me.ToString(), "moved") : null);

        var result = await new RoutedInvoker(context).GetGrain<ICounterGrain>("moved").AddAsync(1);

        result.Should().Be(7);
        context.Dispatches.Should().Be(2);
    }

    /// <summary>A silo of one whose local dispatch answers each attempt from a script (an error, or 7).</summary>
    private sealed class ScriptedContext(Func<int, Exception?> script) : IRoutingContext
    {
        private int _dispatches;

        public int Dispatches => _dispatches;

        public List<long> Refreshes { get; } = [];

        public TimeProvider Time => TimeProvider.System;

        public PlacementView? View { get; } = new(1, [Me]);

        public SiloAddress? LocalSilo => Me;

        public int MaxFrameBytes => 1 << 20;

        public TimeSpan ResponseTimeout => TimeSpan.FromSeconds(10);

        public Task RefreshViewAsync(long atLeastVersion, CancellationToken cancellationToken)
        {
            lock (Refreshes)
            {
                Refreshes.Add(atLeastVersion);
            }

            return Task.CompletedTask;
        }

        public OutboundChannel GetChannel(SiloAddress silo) => throw new InvalidOperationException("no remote silo in this test");

        public OutboundChannel? AnyChannel() => null;

        public ValueTask DispatchLocalAsync(IncomingCall call)
        {
            var attempt = Interlocked.Increment(ref _dispatches) - 1;
            call.ReleaseArguments();
            if (script(attempt) is { } error)
            {
                return call.Responder.Fail(call, error);
            }

            var result = call.Responder.BeginResult(call);
            result.WriteVarInt64(7);
            return call.Responder.Complete(call, result);
        }
    }
}
