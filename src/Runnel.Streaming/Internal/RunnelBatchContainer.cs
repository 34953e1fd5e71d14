using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Runnel.Streaming.Internal;

/// <summary>One record of a partition as the pulling agent caches and delivers it: one event of one stream, its token
/// the record's offset (<see cref="EventSequenceTokenV2"/>, event index 0).</summary>
[GenerateSerializer]
[Alias("Runnel.Streaming.RunnelBatchContainer")]
internal sealed class RunnelBatchContainer(StreamId streamId, EventSequenceTokenV2 token, object? payload) : IBatchContainer
{
    [Id(0)]
    public StreamId StreamId { get; } = streamId;

    [Id(1)]
    public EventSequenceTokenV2 Token { get; } = token;

    [Id(2)]
    public object? Payload { get; } = payload;

    public StreamSequenceToken SequenceToken => Token;

    /// <summary>The record's offset in its partition.</summary>
    public long Offset => Token.SequenceNumber;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Payload is T value ? [Tuple.Create(value, (StreamSequenceToken)Token)] : [];

    public bool ImportRequestContext() => false;

    public override string ToString() => $"{StreamId}@{Offset}";
}
