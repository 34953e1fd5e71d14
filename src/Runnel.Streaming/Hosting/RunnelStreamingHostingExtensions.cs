using Runnel.Client;
using Runnel.Streaming.Internal;

namespace Runnel.Streaming.Hosting;

/// <summary>Adds a Runnel stream provider to an Orleans silo or client.</summary>
public static class RunnelStreamingHostingExtensions
{
    /// <summary>
    /// A persistent Orleans stream provider named <paramref name="name"/> whose queues are the partitions of Runnel
    /// topics: each declared stream namespace is a topic, a stream's key picks its partition with Murmur2 (as a Runnel
    /// producer does), events are appended durably (an <c>OnNextAsync</c> completes once the record is in the store)
    /// and pulled by Orleans' agents, which checkpoint their positions in a Runnel consumer group. The silo must host
    /// Runnel (<c>AddRunnel</c>) or reach it through its cluster; subscriptions need Orleans' <c>PubSubStore</c> grain
    /// storage (e.g. <c>AddRunnelGrainStorage("PubSubStore")</c>).
    /// </summary>
    /// <param name="configure">Declares the namespaces (<see cref="RunnelStreamOptions.AddNamespace"/>) and options.</param>
    /// <exception cref="RunnelException">The options are not valid (<see cref="RunnelErrorCode.InvalidConfig"/>), when
    /// the provider is built at start.</exception>
    public static ISiloBuilder AddRunnelStreams(this ISiloBuilder silo, string name, Action<RunnelStreamOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        return silo.AddPersistentStreams(name, (services, provider) => RunnelQueueAdapterFactory.Create(services, provider, Build(configure)), _ => { });
    }

    /// <summary>The client side of <see cref="AddRunnelStreams(ISiloBuilder, string, Action{RunnelStreamOptions})"/>:
    /// the client produces into the same topics (declare the same namespaces) and subscribes through the silos. Adds
    /// Runnel's call handling to the client (<see cref="RunnelClientBuilderExtensions.AddRunnel(IClientBuilder)"/>), so an
    /// event in flight through a gateway that dies is retried at once rather than after Orleans' 30 s response timeout.</summary>
    public static IClientBuilder AddRunnelStreams(this IClientBuilder client, string name, Action<RunnelStreamOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        client.AddRunnel();
        return client.AddPersistentStreams(name, (services, provider) => RunnelQueueAdapterFactory.Create(services, provider, Build(configure)), _ => { });
    }

    private static RunnelStreamOptions Build(Action<RunnelStreamOptions> configure)
    {
        var options = new RunnelStreamOptions();
        configure(options);
        return options;
    }
}
