namespace Runnel.Client.Internal;

/// <summary>The records of one fetch response, decoded, for one partition at one seek version; or an error to raise.</summary>
internal sealed class FetchedChunk(FetchState state, int version, IReadOnlyList<object> records, RunnelException? error = null)
{
    public FetchState State { get; } = state;

    public int Version { get; } = version;

    /// <summary>The consume results (typed by the consumer), in offset order.</summary>
    public IReadOnlyList<object> Records { get; } = records;

    /// <summary>The next record to hand out.</summary>
    public int Index { get; set; }

    public RunnelException? Error { get; } = error;
}
