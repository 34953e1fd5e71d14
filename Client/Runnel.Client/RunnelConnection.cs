using System.Net;
using Microsoft.Extensions.Logging;
using Runnel.Grains;
using Runnel.Runtime.Client;

namespace Runnel.Client;

/// <summary>
/// The client's entry point: a connection to a Runnel cluster (one TCP connection multiplexing every call, reconnecting
/// on its own), and the factory for producers, consumers and the admin.
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
    private readonly RunnelClient _client;
    private readonly ILoggerFactory? _loggerFactory;

    private RunnelConnection(RunnelClient client, string endpoint, ILoggerFactory? loggerFactory, TimeProvider time)
    {
        _client = client;
        _loggerFactory = loggerFactory;
        Endpoint = endpoint;
        Time = time;
        Admin = new Admin(client);
    }

    /// <summary>The seed this connection reached, <c>address:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Topic and partition administration over this connection.</summary>
    public IAdminClient Admin { get; }

    /// <summary>True while the transport is connected (it reconnects on its own after a drop).</summary>
    public bool IsConnected => _client.IsConnected;

    internal TimeProvider Time { get; }

    /// <summary>Where the grains are: the runtime's client. Internal, as every runtime type: the runtime underneath
    /// will change (to Orleans) without changing the public API.</summary>
    internal IGrainFactory Grains => _client;

    /// <summary>
    /// Connects to the first seed of <see cref="RunnelConnectionOptions.Bootstrap"/> that accepts, trying them in order.
    /// </summary>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ConnectionLost"/> when no seed could be reached
    /// (the message lists each seed's error), <see cref="RunnelErrorCode.ProtocolMismatch"/> when a seed rejected the
    /// cluster id.</exception>
    public static async Task<RunnelConnection> ConnectAsync(
        RunnelConnectionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var errors = new List<string>();
        RunnelException? last = null;
        foreach (var endpoint in await ResolveAsync(options.Bootstrap, errors, cancellationToken).ConfigureAwait(false))
        {
            var seed = endpoint.ToString();
            var client = new RunnelClient(options.ToRuntimeOptions(seed), loggerFactory, timeProvider);
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return new RunnelConnection(client, seed, loggerFactory, timeProvider ?? TimeProvider.System);
            }
            catch (RunnelException ex)
            {
                await client.DisposeAsync().ConfigureAwait(false);
                if (ex.Code == RunnelErrorCode.ProtocolMismatch)
                {
                    throw;
                }

                errors.Add($"{seed}: {ex.Message}");
                last = ex;
            }
            catch
            {
                await client.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        throw new RunnelException(RunnelErrorCode.ConnectionLost,
            $"Could not reach any bootstrap silo ({string.Join("; ", errors)}).", last, isRetriable: true);
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

    /// <summary>The silo endpoint (<c>host:port</c>) that serves <paramref name="partition"/> under this connection's
    /// current view of the cluster, or null while the view is not known. Computed locally (the client routes by the same
    /// placement); no call is made, and a silo joining or leaving can move it.</summary>
    public string? GetPartitionOwner(TopicPartition partition)
        => _client.GetOwner<IPartitionGrain>(PartitionKey.Format(partition.Topic, partition.Partition))?.Endpoint;

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
        new Consumer<TKey, TValue>(_client, options, keyDeserializer, valueDeserializer, Time, _loggerFactory);

    /// <summary>Closes the connection; calls in flight fail.</summary>
    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
