using Runnel.Runtime.Internal;
using Runnel.Runtime.Placement;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Routing;

/// <summary>What a <see cref="RoutedCall{TResult}"/> needs from the side that makes it: a client, or a silo (whose
/// grains call grains). Implementations are thread-safe.</summary>
internal interface IRoutingContext
{
    TimeProvider Time { get; }

    /// <summary>The current placement view, or null before the first one is known.</summary>
    PlacementView? View { get; }

    /// <summary>This silo (calls it owns are dispatched locally), or null on a client.</summary>
    SiloAddress? LocalSilo { get; }

    int MaxFrameBytes { get; }

    /// <summary>How long a call may take, retries included (unless the caller gives its own timeout).</summary>
    TimeSpan ResponseTimeout { get; }

    /// <summary>Tries to learn a view at least as new as <paramref name="atLeastVersion"/> (0: any newer one). Never
    /// throws for an unreachable store or silo; the view stays as it was.</summary>
    Task RefreshViewAsync(long atLeastVersion, CancellationToken cancellationToken);

    /// <summary>The connection to <paramref name="silo"/> (created on first use).</summary>
    OutboundChannel GetChannel(SiloAddress silo);

    /// <summary>A connection to any silo, for system calls that any silo serves (clients only); null when none.</summary>
    OutboundChannel? AnyChannel();

    /// <summary>Dispatches a call to this silo's catalog (silos only).</summary>
    ValueTask DispatchLocalAsync(IncomingCall call);
}
