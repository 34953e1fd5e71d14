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
public sealed partial class RunnelConnection : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly IGrainFactory _client;
    private readonly ConnectionStatus? _status;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly IObjectStore? _segmentStore;
    private int _probing;
    private int _disposed;

    /// <summary>How often a connection that lost the cluster tries to reach it again when nothing else calls: Orleans'
    /// client reconnects only when a call needs a gateway, so an idle connection would otherwise never learn (nor say)
    /// that the cluster is back.</summary>
    internal static readonly TimeSpan ReconnectProbePeriod = TimeSpan.FromSeconds(1);

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
        _logger = (ILogger?)loggerFactory?.CreateLogger<RunnelConnection>() ?? NullLogger.Instance;
        if (status is not null)
        {
            status.Changed += OnStatusChanged;
        }
    }

    /// <summary>
    /// Raised when the connection to the cluster is lost (no silo gateway reachable: calls fail with
    /// <see cref="RunnelErrorCode.ConnectionLost"/> or wait, while the client keeps reconnecting on its own) and when it
    /// comes back; each change is also logged (a warning when lost, information when back). Raised one change at a
    /// time, in order, on a thread of the client: keep handlers short. Never raised over an application's own Orleans
    /// runtime (<see cref="FromGrainFactory"/>).
    /// </summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? ConnectionStateChanged;

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

        var builder = new HostBuilder();
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
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
            RunnelClientBuilderExtensions.AddCallHandling(client);
        });
        var host = builder.Build();
        var status = host.Services.GetRequiredService<ConnectionStatus>();
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

    /// <summary>Closes the connection; calls in flight fail. No <see cref="ConnectionStateChanged"/> is raised for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _host is not null)
        {
            _status!.Changed -= OnStatusChanged;
            await _disposing.CancelAsync().ConfigureAwait(false);
            await StopQuietlyAsync(_host).ConfigureAwait(false);
        }

        _disposing.Dispose();
    }

    /// <summary>While the cluster is lost, calls it every <see cref="ReconnectProbePeriod"/> (a cheap management call)
    /// until a gateway answers or the connection is disposed; at most one loop runs.</summary>
    private async Task ProbeUntilReconnectedAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(ReconnectProbePeriod, Time);
            var management = _client.GetGrain<IManagementGrain>(0);
            while (_status is { IsConnected: false } && await timer.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
            {
                try
                {
#pragma warning disable CA2016 // the management call takes no token: the wait for it is bounded instead
                    await management.GetHosts(onlyActive: true).WaitAsync(ReconnectProbePeriod * 5, _disposing.Token).ConfigureAwait(false);
#pragma warning restore CA2016
                }
#pragma warning disable CA1031 // a probe fails while the cluster is away: that is what it is for
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
#pragma warning restore CA1031
                {
                    _ = ex;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }

        // Connected again, or disposed; a loss that raced the loop's end starts the next one.
        if (_status is { IsConnected: false } && !_disposing.IsCancellationRequested && Interlocked.Exchange(ref _probing, 1) == 0)
        {
            _ = ProbeUntilReconnectedAsync();
        }
    }

    private void OnStatusChanged(bool connected, int gateways)
    {
        if (connected)
        {
            LogConnectionRestored(_logger, Endpoint, gateways);
        }
        else
        {
            LogConnectionLost(_logger, Endpoint);
            if (Interlocked.Exchange(ref _probing, 1) == 0)
            {
                _ = Task.Run(ProbeUntilReconnectedAsync);
            }
        }

        try
        {
            ConnectionStateChanged?.Invoke(this, new ConnectionStateChangedEventArgs(connected, gateways));
        }
#pragma warning disable CA1031 // a handler's failure must not break the client's connection notifications
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, ex);
        }
    }
}
