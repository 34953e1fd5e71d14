namespace Runnel;

/// <summary>
/// Makes every Runnel error a grain throws cross the wire: a subclass of <see cref="RunnelException"/> defined where
/// Orleans has no serializer for it (the log's <c>NotOwnerException</c>, the store's exceptions, ...) would reach the
/// caller as a serialization failure with no code. Registered on every silo that hosts Runnel's grains as an incoming
/// call filter, it rethrows such an error as a plain <see cref="RunnelException"/> with the same code, message and flags.
/// </summary>
public sealed class RunnelGrainErrorFilter : IIncomingGrainCallFilter
{
    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (RunnelException ex) when (!IsWireSafe(ex))
        {
            throw ForTheWire(ex);
        }
    }

    /// <summary>
    /// Awaits a grain's activation, turning what it throws as <see cref="Invoke"/> does: an activation's failure never
    /// passes a call filter, yet Orleans answers every call waiting for that activation with it. Grains that may fail
    /// to activate with a Runnel error override <c>OnActivateAsync</c> as <c>=&gt; RunnelGrainErrorFilter.ActivateAsync(ActivateAsync(ct))</c>.
    /// </summary>
    public static async Task ActivateAsync(Task activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        try
        {
            await activation.ConfigureAwait(true);
        }
        catch (RunnelException ex) when (!IsWireSafe(ex))
        {
            throw ForTheWire(ex);
        }
    }

    /// <summary><paramref name="error"/> as a plain <see cref="RunnelException"/>: code, message and flags kept; the
    /// subclass and its inner exception (often a type no serializer knows, such as a storage SDK's) left behind.</summary>
    public static RunnelException ForTheWire(RunnelException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return IsWireSafe(error)
            ? error
            : new RunnelException(error.Code, error.Message, innerException: null, error.IsRetriable, error.IsOutcomeUnknown);
    }

    /// <summary>Whether <paramref name="error"/> crosses the wire as it is: a plain <see cref="RunnelException"/> with no inner exception.</summary>
    private static bool IsWireSafe(RunnelException error) => error.GetType() == typeof(RunnelException) && error.InnerException is null;
}
