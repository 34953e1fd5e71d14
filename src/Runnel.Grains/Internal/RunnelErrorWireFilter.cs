namespace Runnel.Grains.Internal;

/// <summary>
/// Sends every <see cref="RunnelException"/> a grain raises as a plain <see cref="RunnelException"/> with the same code,
/// message and flags. Its subtypes (the log's <c>OffsetOutOfRangeException</c> and <c>NotOwnerException</c>, the store's
/// <c>StorageUnavailableException</c>, ...) live in assemblies without Orleans serializers, which clients do not
/// reference: sent as they are, the caller got a <c>CodecNotFoundException</c> instead of the error. Registered on the
/// silo by <see cref="GrainsHostingExtensions.AddRunnelGrains(ISiloBuilder, Action{RunnelGrainsOptions}?)"/>.
/// </summary>
/// <remarks>The inner exception is dropped for the same reason; the message names what went wrong. What a grain's
/// activation throws never passes a call filter, yet Orleans answers every call waiting for that activation with it:
/// the grains activate through <see cref="ActivateAsync"/>.</remarks>
internal sealed class RunnelErrorWireFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (RunnelException ex) when (!IsWireSafe(ex))
        {
            throw ForWire(ex);
        }
    }

    /// <summary>Awaits a grain's activation (on the grain's scheduler), turning what it throws as <see cref="Invoke"/>
    /// does.</summary>
    public static async Task ActivateAsync(Task activation)
    {
        try
        {
            await activation.ConfigureAwait(true);
        }
        catch (RunnelException ex) when (!IsWireSafe(ex))
        {
            throw ForWire(ex);
        }
    }

    private static bool IsWireSafe(RunnelException error) => error.GetType() == typeof(RunnelException) && error.InnerException is null;

    private static RunnelException ForWire(RunnelException error) =>
        new(error.Code, error.Message, innerException: null, error.IsRetriable, error.IsOutcomeUnknown);
}
