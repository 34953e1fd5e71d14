namespace Runnel.Grains.Internal;

/// <summary>
/// Answers a grain call that failed with a <see cref="RunnelException"/> with the contract type itself: code, message and
/// flags, nothing else. The grains raise subtypes from below the contract (the log's <c>OffsetOutOfRangeException</c>,
/// a storage exception, ...) that have no Orleans codec, and they may carry an inner exception of any type; answering
/// with one of those would fail the response's serialization, and the caller would see a
/// <c>CodecNotFoundException</c> instead of the error code. The subtype's own properties and the inner exception stay
/// in the silo. Registered on every silo by <see cref="GrainsHostingExtensions.AddRunnelGrains(ISiloBuilder, Action{RunnelGrainsOptions}?)"/>.
/// </summary>
internal sealed class RunnelErrorWireFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (RunnelException ex) when (ex.GetType() != typeof(RunnelException) || ex.InnerException is not null)
        {
            throw new RunnelException(ex.Code, ex.Message, innerException: null, ex.IsRetriable, ex.IsOutcomeUnknown);
        }
    }
}
