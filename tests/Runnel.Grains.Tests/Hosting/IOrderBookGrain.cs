namespace Runnel.Grains.Tests.Hosting;

/// <summary>An application's own grain, hosted next to Runnel's: it publishes what it is given to a Runnel topic.</summary>
[Alias("test.order-book")]
public interface IOrderBookGrain : IGrainWithStringKey
{
    /// <summary>Produces <paramref name="order"/> to <paramref name="topic"/>, keyed by this grain's key; returns its offset.</summary>
    [Alias("PlaceAsync")]
    Task<long> PlaceAsync(string topic, string order);
}
