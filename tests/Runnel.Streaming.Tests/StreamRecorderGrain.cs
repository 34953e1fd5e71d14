using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Runnel.Streaming.Tests;

/// <summary>An event as a subscriber saw it: the value and its token's offset.</summary>
[GenerateSerializer]
public sealed record SeenEvent([property: Id(0)] string Value, [property: Id(1)] long Offset);

/// <summary>Records what its implicit subscription to the <c>orders</c> stream of its own key delivered. (Orleans'
/// interface spelled in full: Runnel.Abstractions has a Runnel.IGrainWithStringKey.)</summary>
public interface IStreamRecorderGrain : global::Orleans.IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<SeenEvent[]> GetAsync();

    /// <summary>The silo this activation lives on.</summary>
    [AlwaysInterleave]
    Task<SiloAddress> GetSiloAsync();

    /// <summary>From now on, the delivery of event <paramref name="value"/> (recorded first) waits for
    /// <see cref="ReleaseAsync"/>: the pulling agent keeps it, and what follows, in delivery.</summary>
    Task HoldAtAsync(string value);

    /// <summary>True once the held event was delivered (and waits).</summary>
    [AlwaysInterleave]
    Task<bool> IsHoldingAsync();

    [AlwaysInterleave]
    Task ReleaseAsync();
}

[ImplicitStreamSubscription(StreamingCluster.Orders)]
public sealed class StreamRecorderGrain : Grain, IStreamRecorderGrain
{
    private readonly List<SeenEvent> _seen = [];
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _holdAt;
    private bool _holding;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Orders, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync(async (value, token) =>
        {
            _seen.Add(new SeenEvent(value, token!.SequenceNumber));
            if (value == _holdAt && !_released.Task.IsCompleted)
            {
                _holding = true;
                await _released.Task;
            }
        });
    }

    public Task<SeenEvent[]> GetAsync() => Task.FromResult(_seen.ToArray());

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress);

    public Task HoldAtAsync(string value)
    {
        _holdAt = value;
        return Task.CompletedTask;
    }

    public Task<bool> IsHoldingAsync() => Task.FromResult(_holding);

    public Task ReleaseAsync()
    {
        _released.TrySetResult();
        return Task.CompletedTask;
    }
}
