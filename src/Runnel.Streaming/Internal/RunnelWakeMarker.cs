using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Runnel.Streaming.Internal;

/// <summary>
/// Not an event: the receiver hands one to the pulling agent for a stream whose backfill read something. The agent
/// wakes a stream's idle consumers only when a read brings events of that stream, so a cursor that had to say "no data
/// yet" while its backfill was still reading would otherwise sleep until the stream's next live event. The cache never
/// stores a marker. Its token is the offset after the newest cached event: where a consumer still in its handshake
/// starts when it names no token (as for any event pulled now), so a marker never moves anyone backwards.
/// </summary>
internal sealed class RunnelWakeMarker(StreamId streamId, EventSequenceTokenV2 token) : IBatchContainer
{
    public StreamId StreamId { get; } = streamId;

    public StreamSequenceToken SequenceToken { get; } = token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() => [];

    public bool ImportRequestContext() => false;

    public override string ToString() => $"{StreamId}: wake";
}
