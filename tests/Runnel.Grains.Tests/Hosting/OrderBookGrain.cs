using Microsoft.Extensions.DependencyInjection;
using Runnel.Client;

namespace Runnel.Grains.Tests.Hosting;

/// <summary>Produces through the silo's <see cref="RunnelConnection"/> (<c>services.AddRunnelClient()</c>).</summary>
public sealed class OrderBookGrain : Grain, IOrderBookGrain
{
    private IProducer<string, string>? _producer;

    public async Task<long> PlaceAsync(string topic, string order)
    {
        _producer ??= ServiceProvider.GetRequiredService<RunnelConnection>().CreateProducer<string, string>();
        var delivered = await _producer.ProduceAsync(topic, new Message<string, string> { Key = this.GetPrimaryKeyString(), Value = order });
        return delivered.Offset;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_producer is not null)
        {
            await _producer.DisposeAsync();
        }
    }
}
