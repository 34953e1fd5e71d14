using System.Net;
using Microsoft.Extensions.Logging;
using Runnel.Grains;
using Runnel.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>
/// The client's entry point: a connection to a Runnel cluster (an Orleans cluster client: the grain interfaces over the silos' gateways,
/// reconnecting on its own), and the factory for producers, consumers and the admin.
/// </summary>
/// <remarks>
/// Thread-safe. Producers, consumers and the admin made from it share its connection and must be disposed before it.
/// </remarks>
/// <example><code>
/// await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default);
/// await using var producer = connection.CreateProducer&lt;string, string&gt;();
/// await producer.ProduceAsync("orders", new Message&lt;string, string&gt; { Key = "k", Value = "v" });
/// </code></example>
public sealed class RunnelConnection : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly IGrainFactory _client;
    private readonly ConnectionStatus? _status;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly IObjectStore? _segmentStore;
    private int _disposed;

    private RunnelConnection(IHost? host, IGrainFactory grains, ConnectionStatus? status, string endpoint, ILoggerFactory? loggerFactory, TimeProvider time, IObjectStore? segmentStore = null)
    {
        _segmentStore = segmentStore;
        _host = host;
        _client = grains;
        _status = status;
        _loggerFactory = loggerFactory;
        Endpoint = endpoint;
        Time = time;
        Admin = new Admin(_client);
    }

    /// <summary>The gateways this connection was given, <c>address:port</c>, comma-separated (bootstrap names resolved);
    /// <c>orleans</c> for a connection over an application's own Orleans runtime (<see cref="FromGrainFactory"/>).</summary>
    public string Endpoint { get; }

    /// <summary>Topic and partition administration over this connection.</summary>
    public IAdminClient Admin { get; }

    /// <summary>True while at least one gateway is connected (the client reconnects on its own after a drop); always true
    /// over an application's own Orleans runtime.</summary>
    public bool IsConnected => _status?.IsConnected ?? true;

    internal TimeProvider Time { get; }

    /// <summary>Where the grains are: the Orleans cluster client.</summary>
    internal IGrainFactory Grains => _client;

    /// <summary>
    /// Connects to the cluster through the silos named by <see cref="RunnelConnectionOptions.Bootstrap"/> (their gateway
    /// ports; DNS names are resolved to every address), each connection attempt bounded by
    /// <see cref="RunnelConnectionOptions.ConnectTimeout"/>. The client's own start-up work is not: a cold start costs
    /// about a second and a half of CPU, which on a busy machine alone outlasted the default bound.
    /// </summary>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ConnectionLost"/> when no seed could be reached
    /// (the message names the seeds and the error).</exception>
    public static async Task<RunnelConnection> ConnectAsync(
        RunnelConnectionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var errors = new List<string>();
        var endpoints = await ResolveAsync(options.Bootstrap, errors, cancellationToken).ConfigureAwait(false);
        if (endpoints.Count == 0)
        {
            throw new RunnelException(RunnelErrorCode.ConnectionLost,
                $"Could not reach any bootstrap silo ({string.Join("; ", errors)}).", isRetriable: true);
        }

        var status = new ConnectionStatus();
        var builder = new HostBuilder();
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            services.AddSingleton(status);
        });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. endpoints]);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = RunnelCluster.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.RequestTimeout);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(30));
            // Each seed is tried once, for ConnectTimeout; Orleans' default would try again for up to three minutes.
            client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = options.ConnectTimeout);
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            client.AddClusterConnectionStatusObserver(status);
            client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
            client.AddOutgoingGrainCallFilter<StalledCallWatchdog>();
        });
        var host = builder.Build();
        var seeds = string.Join(",", endpoints.Select(e => e.ToString()));
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // any failure to connect is reported as ConnectionLost, naming the seeds
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            await StopQuietlyAsync(host).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            errors.Add($"{seeds}: {ex.Message}");
            throw new RunnelException(RunnelErrorCode.ConnectionLost,
                $"Could not reach any bootstrap silo ({string.Join("; ", errors)}).", ex, isRetriable: true);
        }

        status.Connected();
        return new RunnelConnection(host, host.Services.GetRequiredService<IClusterClient>(), status, seeds, loggerFactory, timeProvider ?? TimeProvider.System, options.SegmentStore);
    }

    /// <summary>
    /// A connection over an Orleans application's own runtime: the grain factory of a silo that hosts Runnel
    /// (<c>siloBuilder.AddRunnel(...)</c>) or of a cluster client of such a cluster. Producers, consumers and the admin
    /// then call Runnel's grains through it, from a grain or a hosted service alike. It opens nothing of its own:
    /// disposing it leaves the runtime alone.
    /// </summary>
    public static RunnelConnection FromGrainFactory(IGrainFactory grains, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return new RunnelConnection(null, grains, null, "orleans", loggerFactory, timeProvider ?? TimeProvider.System);
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the connection failed already; stopping what was started is best effort
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            _ = ex;
        }

        host.Dispose();
    }

    /// <summary>Every address of every seed, in order: IP seeds as they are, DNS names resolved (all their addresses,
    /// IPv4 first); a name that does not resolve adds its error to <paramref name="errors"/>.</summary>
    private static async Task<List<IPEndPoint>> ResolveAsync(IReadOnlyList<string> seeds, List<string> errors, CancellationToken cancellationToken)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var seed in seeds)
        {
            if (!RunnelConnectionOptions.TryParseSeed(seed, out var host, out var port))
            {
                throw new ArgumentException($"Bootstrap seed '{seed}' is not host:port.");
            }

            if (IPAddress.TryParse(host, out var address))
            {
                endpoints.Add(new IPEndPoint(address, port));
                continue;
            }

            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
                foreach (var resolved in addresses.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1))
                {
                    var candidate = new IPEndPoint(resolved, port);
                    if (!endpoints.Contains(candidate))
                    {
                        endpoints.Add(candidate);
                    }
                }

                if (addresses.Length == 0)
                {
                    errors.Add($"{seed}: the name resolved to no address");
                }
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                errors.Add($"{seed}: {ex.Message}");
            }
        }

        return endpoints;
    }

    /// <summary>The silo (<c>address:port</c>) whose activation serves <paramref name="partition"/> now, or null when
    /// it is not active anywhere (it activates on the next call to it). Asks the cluster's grain directory; it activates
    /// nothing, and a silo joining or leaving can move the partition.</summary>
    public async Task<string?> GetPartitionOwnerAsync(TopicPartition partition, CancellationToken cancellationToken = default)
    {
        var grain = _client.GetGrain<IPartitionGrain>(PartitionKey.Format(partition.Topic, partition.Partition));
        var management = _client.GetGrain<IManagementGrain>(0);
#pragma warning disable CA2016 // the management call takes no token: the wait for it is what is cancelled
        var lookup = management.GetActivationAddress(grain).AsTask();
#pragma warning restore CA2016
        var address = await lookup.WaitAsync(cancellationToken).ConfigureAwait(false);
        return address?.Endpoint.ToString();
    }

    /// <summary>A producer over this connection (a <see cref="Producer{TKey, TValue}"/>). Serializers default to the
    /// built-in ones for byte[] and string. Dispose it before the connection.</summary>
    /// <exception cref="ArgumentException">An option is not valid, or a serializer is missing for a type with no built-in one.</exception>
    public IProducer<TKey, TValue> CreateProducer<TKey, TValue>(
        ProducerOptions? options = null, ISerializer<TKey>? keySerializer = null, ISerializer<TValue>? valueSerializer = null) =>
        new Producer<TKey, TValue>(_client, options, keySerializer, valueSerializer, Time, _loggerFactory);

    /// <summary>A consumer over this connection (a <see cref="Consumer{TKey, TValue}"/>). Deserializers default to the
    /// built-in ones for byte[] and string. Dispose it before the connection.</summary>
    /// <exception cref="ArgumentException">An option is not valid, or a deserializer is missing for a type with no built-in one.</exception>
    public IConsumer<TKey, TValue> CreateConsumer<TKey, TValue>(
        ConsumerOptions? options = null, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null) =>
        new Consumer<TKey, TValue>(_client, options, keyDeserializer, valueDeserializer, Time, _loggerFactory, _segmentStore);

    /// <summary>Closes the connection; calls in flight fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _host is not null)
        {
            await StopQuietlyAsync(_host).ConfigureAwait(false);
        }
    }
}
