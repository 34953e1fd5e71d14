using Orleans.TestingHost;
using Runnel.Grains;
using Runnel.Persistence.Hosting;
using Runnel.Storage;
using Runnel.Streaming.Hosting;
using Runnel.Testing.Cluster;

namespace Runnel.Streaming.Tests;

/// <summary>An in-process Orleans cluster hosting Runnel over a file store, with the Runnel stream provider on silos and
/// client, and Orleans' PubSubStore in Runnel's grain storage (no other backend).</summary>
public static class StreamingCluster
{
    public const string Provider = "runnel";

    /// <summary>Implicitly subscribed by <see cref="StreamRecorderGrain"/>; 2 partitions.</summary>
    public const string Orders = "orders";

    /// <summary>Explicit subscriptions only; 2 partitions.</summary>
    public const string Audit = "audit";

    /// <summary>Raw byte[] events from plain Runnel producers; 1 partition.</summary>
    public const string Raw = "raw";

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static void Declare(RunnelStreamOptions options)
    {
        options.AddNamespace(Orders, partitions: 2);
        options.AddNamespace(Audit, partitions: 2);
        options.AddNamespace(Raw, partitions: 1);
    }

    public static InProcessTestCluster Build(IObjectStore store, short silos = 1, Action<RunnelStreamOptions>? configure = null) =>
        RunnelTestCluster.Build(silos, store,
            configureSilo: silo =>
            {
                silo.AddRunnel(_ => store);
                silo.AddRunnelGrainStorage("PubSubStore", store);
                silo.AddRunnelStreams(Provider, o =>
                {
                    Declare(o);
                    configure?.Invoke(o);
                });
            },
            configureClient: client =>
            {
                client.AddRunnelStreams(Provider, o =>
                {
                    Declare(o);
                    configure?.Invoke(o);
                });
            });

    /// <summary>The topic of a namespace under the default prefix.</summary>
    public static string Topic(string streamNamespace) => "orleans." + streamNamespace;
}
