namespace Runnel;

/// <summary>
/// Turns Orleans' own call failures into <see cref="RunnelException"/>s with a code a caller can act on, so clients and
/// silos (the Kafka listener, grains calling grains) handle one exception type. Registered on every Runnel client and
/// silo as an outgoing call filter; errors raised by Runnel's grains pass through unchanged.
/// </summary>
/// <remarks>
/// What each failure says about the call's outcome decides the flags: a rejected message was not handled
/// (<see cref="RunnelErrorCode.Rejected"/>, retriable); a silo that died or a response that never came leaves the outcome
/// unknown (<see cref="RunnelErrorCode.OutcomeUnknown"/>, retriable, <see cref="RunnelException.IsOutcomeUnknown"/>); no
/// connection to any gateway is <see cref="RunnelErrorCode.ConnectionLost"/> (retriable, never sent).
/// </remarks>
public sealed class RunnelCallErrorFilter : IOutgoingGrainCallFilter
{
    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (Exception ex) when (Translate(ex, context.InterfaceName, context.MethodName) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The <see cref="RunnelException"/> for an Orleans failure, or null to let <paramref name="error"/> through.</summary>
    public static RunnelException? Translate(Exception error, string? grain = null, string? method = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var call = grain is null ? "The call" : $"The call {Short(grain)}.{method}";
        return error switch
        {
            RunnelException => null,
            SiloUnavailableException => new RunnelException(RunnelErrorCode.OutcomeUnknown,
                $"{call} failed: the silo serving it became unavailable ({error.Message}); it may have been handled.", error, isRetriable: true, isOutcomeUnknown: true),
            GatewayTooBusyException => new RunnelException(RunnelErrorCode.Rejected, $"{call} was rejected: the gateway is too busy.", error, isRetriable: true),
            OrleansMessageRejectionException => new RunnelException(RunnelErrorCode.Rejected, $"{call} was rejected: {error.Message}", error, isRetriable: true),
            TimeoutException => new RunnelException(RunnelErrorCode.OutcomeUnknown,
                $"{call} timed out without a response ({error.Message}); it may have been handled.", error, isRetriable: true, isOutcomeUnknown: true),
            OrleansException when error.GetType().Name == "ConnectionFailedException" => new RunnelException(RunnelErrorCode.ConnectionLost,
                $"{call} was not sent: no connection to the cluster ({error.Message}).", error, isRetriable: true),
            ClientNotAvailableException => new RunnelException(RunnelErrorCode.ConnectionLost, $"{call} failed: {error.Message}", error, isRetriable: true),
            // A grain whose state could not be read while it activated: Orleans wraps the storage's (Runnel) error.
            OrleansException { InnerException: RunnelException inner } when error.GetType() == typeof(OrleansException) => inner,
            _ => null,
        };
    }

    private static string Short(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }
}
