using Orleans.Streams;

namespace Runnel.Streaming.Tests;

/// <summary>An event as a subscriber saw it: the value and its token's offset.</summary>
[GenerateSerializer]
public sealed record SeenEvent([property: Id(0)] string Value, [property: Id(1)] long Offset);

/// <summary>Records what its implicit subscription to the <c>orders</c> stream of its own key delivered. (Orleans'
/// interface spelled in full: Runnel.Abstractions has a Runnel.IGrainWithStringKey.)</summary>
public interface IStreamRecorderGrain : global::Orleans.IGrainWithStringKey
{
    Task<SeenEvent[]> GetAsync();
}

[ImplicitStreamSubscription(StreamingCluster.Orders)]
public sealed class StreamRecorderGrain : Grain, IStreamRecorderGrain
{
    private readonly List<SeenEvent> _seen = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Orders, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((value, token) =>
        {
            _seen.Add(new SeenEvent(value, token!.SequenceNumber));
            return Task.CompletedTask;
        });
    }

    public Task<SeenEvent[]> GetAsync() => Task.FromResult(_seen.ToArray());
}
