using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Runnel.Storage;
using Runnel.Testing.Cluster;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// Orleans silos in this process (<see cref="RunnelTestCluster"/>: an <see cref="InProcessTestCluster"/> on Runnel
/// clustering) hosting the product grains over one store, and the test cluster's client, which turns Orleans failures
/// into <see cref="RunnelException"/>s as <c>RunnelConnection</c>'s does (<see cref="RunnelCallErrorFilter"/>). Each silo
/// reaches the store through its own <see cref="CountingObjectStore"/> (<see cref="StoreOf"/>), so a test can hold or
/// sever one silo's writes. Disposing stops every silo gracefully (partitions released).
/// </summary>
public sealed class GrainsCluster : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SiloAddress, CountingObjectStore> _siloStores = new();
    private readonly IObjectStore _store;
    private readonly IObjectStore _membership;
    private readonly Action<RunnelGrainsOptions>? _configure;
    private readonly TimeProvider? _time;
    private readonly short _silos;
    private readonly TimeSpan? _responseTimeout;
    private readonly Action<ISiloBuilder>? _configureSilo;
    private InProcessTestCluster? _cluster;

    private GrainsCluster(IObjectStore store, IObjectStore membership, Action<RunnelGrainsOptions>? configure, TimeProvider? time, short silos, TimeSpan? responseTimeout, Action<ISiloBuilder>? configureSilo)
    {
        _configureSilo = configureSilo;
        _store = store;
        _membership = membership;
        _configure = configure;
        _time = time;
        _silos = silos;
        _responseTimeout = responseTimeout;
    }

    /// <summary>The silos and their client.</summary>
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is stopped.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>Whether <see cref="StopAsync"/> stopped it (<see cref="RestartAsync"/> starts it again).</summary>
    public bool IsStopped => _cluster is null;

    /// <param name="store">The store the grains use.</param>
    /// <param name="configure">Grain options.</param>
    /// <param name="time">The grains' clock (grain timers, the retention sweep, session deadlines); the system clock when
    /// null. Orleans' own background loops (membership, directory, activation collection) stay on the system clock.</param>
    /// <param name="silos">How many silos to start.</param>
    /// <param name="membership">Where the cluster keeps its membership; <paramref name="store"/> when null.</param>
    /// <param name="responseTimeout">How long the client waits for an answer (Orleans' default 30 s when null): a call
    /// that was on its way to a silo that is killed fails only then, as <see cref="RunnelErrorCode.OutcomeUnknown"/>.</param>
    /// <param name="configureSilo">More configuration of every silo (e.g. a test's call filter).</param>
    public static async Task<GrainsCluster> StartAsync(
        IObjectStore store,
        Action<RunnelGrainsOptions>? configure = null,
        TimeProvider? time = null,
        short silos = 1,
        IObjectStore? membership = null,
        TimeSpan? responseTimeout = null,
        Action<ISiloBuilder>? configureSilo = null)
    {
        var grains = new GrainsCluster(store, membership ?? store, configure, time, silos, responseTimeout, configureSilo);
        await grains.DeployAsync();
        return grains;
    }

    public ITopicGrain Topic(string name) => Client.GetGrain<ITopicGrain>(name);

    /// <summary>
    /// Creates a topic, sending the call again when it timed out: the short response timeouts of the kill tests can
    /// expire on a loaded machine while a fresh cluster's first calls warm its directory, and a creation is three
    /// storage writes across up to two silos (the catalog's, then the topic's). A resent call that finds the topic
    /// created (by the call that timed out) accepts it if it has the partitions asked for.
    /// </summary>
    public async Task CreateTopicAsync(string name, int partitions)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Topic(name).CreateAsync(partitions, null);
                return;
            }
            catch (RunnelException ex) when (ex.Code == RunnelErrorCode.OutcomeUnknown && attempt < 5)
            {
            }
            catch (RunnelException ex) when (ex.Code == RunnelErrorCode.TopicAlreadyExists && attempt > 1)
            {
                var described = await Topic(name).DescribeAsync();
                if (described.PartitionCount != partitions)
                {
                    throw;
                }

                return;
            }
        }
    }

    public IPartitionGrain Partition(string topic, int partition) => Client.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition));

    public ITopicCatalogGrain Catalog => Client.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey);

    public IConsumerGroupGrain Group(string groupId) => Client.GetGrain<IConsumerGroupGrain>(groupId);

    public IConsumerGroupCatalogGrain Groups => Client.GetGrain<IConsumerGroupCatalogGrain>(RunnelCluster.SingletonKey);

    public IProducerIdGrain ProducerIds => Client.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey);

    /// <summary>The silos that are up.</summary>
    public IReadOnlyList<InProcessSiloHandle> Silos => [.. Cluster.GetActiveSilos()];

    /// <summary>The silo that is up under <paramref name="name"/> (what a manifest names as its owner).</summary>
    public InProcessSiloHandle SiloNamed(string name) => Silos.Single(s => s.Name == name);

    /// <summary>A silo's services (the first silo's when null).</summary>
    public IServiceProvider Services(InProcessSiloHandle? silo = null) => Cluster.GetSiloServiceProvider(silo?.SiloAddress);

    /// <summary>The store as <paramref name="silo"/> sees it.</summary>
    public CountingObjectStore StoreOf(InProcessSiloHandle silo) => SiloStore(silo.SiloAddress);

    /// <summary>Deactivates every grain as a graceful stop does (each partition saves its producer state and hands its
    /// log back), without stopping the silos: each grain's next call reaches a fresh activation, which takes over. When
    /// one would not go (a call still in progress), restarts the silos instead.</summary>
    public async Task DeactivateAllAsync()
    {
        if (!await TryDeactivateAllAsync())
        {
            await RestartAsync();
        }
    }

    /// <summary>Deactivates every idle grain; whether none is left (one still busy stays).</summary>
    public async Task<bool> TryDeactivateAllAsync()
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var left = await management.GetSimpleGrainStatistics();
        return !left.Any(s => s.ActivationCount > 0 && s.GrainType.StartsWith("Runnel.", StringComparison.Ordinal));
    }

    /// <summary>Stops every silo gracefully (every grain deactivates, every partition is released) and starts new ones
    /// on the same store, clock and options: every grain's next call reaches a fresh activation.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await DeployAsync();
    }

    /// <summary>Stops every silo gracefully: every grain deactivates, every partition is released.</summary>
    public async Task StopAsync()
    {
        if (_cluster is not { } cluster)
        {
            return;
        }

        _cluster = null;
        await cluster.StopClusterClientAsync();
        await cluster.StopSilosAsync();
        await cluster.DisposeAsync();
        _siloStores.Clear();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task DeployAsync()
    {
        var cluster = RunnelTestCluster.Build(
            _silos,
            _membership,
            configureSilo: silo =>
            {
                if (_time is not null)
                {
                    // Grain timers run on the default TimeProvider (Orleans' "grains" area); every other area keeps
                    // real time, so advancing the test clock fires only the grains' timers.
                    silo.Services.AddSingleton(_time);
                    silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
                }

                silo.AddRunnelGrains(services => SiloStore(services.GetRequiredService<ILocalSiloDetails>().SiloAddress), _configure);
                _configureSilo?.Invoke(silo);
            },
            configureClient: client =>
            {
                client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
                if (_responseTimeout is { } timeout)
                {
                    client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
                }
            });
        await cluster.DeployAsync();
        _cluster = cluster;
    }

    private CountingObjectStore SiloStore(SiloAddress silo) => _siloStores.GetOrAdd(silo, _ => new CountingObjectStore(_store));
}
