using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Invocation;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Client;

/// <summary>
/// A connection to one silo, carrying grain calls: many concurrent calls share one TCP connection (each frame
/// tagged with a correlation id). When the connection drops, calls in flight fail at once
/// (<see cref="RunnelErrorCode.OutcomeUnknown"/> if sent, <see cref="RunnelErrorCode.ConnectionLost"/> if not) and
/// the client reconnects in the background with exponential backoff; calls made meanwhile wait for the new
/// connection until their deadline.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="GetGrain{TGrainInterface}"/> is cheap and may be called before
/// <see cref="ConnectAsync"/>. Results are deserialized into fresh buffers: <see cref="ReadOnlyMemory{T}"/>
/// results may be kept. Each call costs one frame buffer from the array pool (returned once written) and a
/// <see cref="TaskCompletionSource{TResult}"/>.
/// </remarks>
/// <example><code>
/// await using var client = new RunnelClient(RunnelClientOptions.Default with { Endpoint = "127.0.0.1:11111" });
/// await client.ConnectAsync();
/// var total = await client.GetGrain&lt;ICounterGrain&gt;("a").AddAsync(1, ct);
/// </code></example>
public sealed partial class RunnelClient : IGrainFactory, IAsyncDisposable
{
    private readonly IPEndPoint _endpoint;
    private readonly ILogger _logger;
    private readonly CallInvoker _invoker;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly ITimer _sweeper;
    private TaskCompletionSource<ClientSession> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ClientSession? _session;
    private bool _reconnecting;

    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public RunnelClient(RunnelClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _endpoint = options.ParseEndpoint();
        Time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RunnelClient>();
        _invoker = new CallInvoker(this);
        var sweep = TimeSpan.FromTicks(Math.Clamp(options.ResponseTimeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _sweeper = Time.CreateTimer(static state => ((RunnelClient)state!).Sweep(), this, sweep, sweep);
    }

    public RunnelClientOptions Options { get; }

    /// <summary>True while a connection is established.</summary>
    public bool IsConnected => CurrentSession is not null;

    internal TimeProvider Time { get; }

    internal ClientSession? CurrentSession => _session is { Connection.IsClosed: false } session ? session : null;

    /// <summary>
    /// Connects to the silo (TCP, then the preamble). Call once before the first grain call; later drops are
    /// repaired automatically.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ConnectionLost"/> when the silo cannot be
    /// reached in <see cref="RunnelClientOptions.ConnectTimeout"/>; <see cref="RunnelErrorCode.ProtocolMismatch"/>
    /// when it rejects the preamble (another cluster id or protocol version) or is not a Runnel silo.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (CurrentSession is not null)
        {
            return;
        }

        Install(await ConnectOnceAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        var descriptor = GrainInterfaceRegistry.Get<TGrainInterface>();
        return (TGrainInterface)(object)descriptor.CreateReference(new GrainId(descriptor.GrainType, key), _invoker);
    }

    /// <summary>Closes the connection; calls in flight fail (see the class remarks) and later calls throw.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        ClientSession? session;
        lock (_gate)
        {
            session = _session;
            _ready.TrySetException(new ObjectDisposedException(nameof(RunnelClient)));
        }

        session?.Connection.Close("the client was disposed");
    }

    /// <summary>Waits for a connection (calls made while reconnecting).</summary>
    internal async ValueTask<ClientSession> WaitForSessionAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        Task<ClientSession> ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }

        try
        {
            return await ready.WaitAsync(timeout, Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RunnelException(RunnelErrorCode.ConnectionLost, $"Not connected to {_endpoint} (reconnecting); the call was not sent within {timeout}.", isRetriable: true);
        }
    }

    /// <summary>A session's connection closed: start reconnecting (unless disposed).</summary>
    internal void OnSessionClosed(ClientSession session)
    {
        lock (_gate)
        {
            if (_session != session)
            {
                return;
            }

            _session = null;
            if (_ready.Task.IsCompleted)
            {
                _ready = new TaskCompletionSource<ClientSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (_disposed.IsCancellationRequested || _reconnecting)
            {
                return;
            }

            _reconnecting = true;
        }

        LogConnectionLost(_logger, _endpoint);
        _ = Task.Run(ReconnectLoopAsync);
    }

    private void Install(ClientSession session)
    {
        lock (_gate)
        {
            _session = session;
            _ready.TrySetResult(session);
        }

        _ = Task.Run(() => session.Connection.RunAsync(session));
        LogConnected(_logger, _endpoint);
    }

    private async Task ReconnectLoopAsync()
    {
        var backoff = TimeSpan.Zero;
        while (!_disposed.IsCancellationRequested)
        {
            try
            {
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, Time, _disposed.Token).ConfigureAwait(false);
                }

                var session = await ConnectOnceAsync(_disposed.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    _reconnecting = false;
                }

                Install(session);
                return;
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                return;
            }
            catch (RunnelException ex)
            {
                backoff = backoff == TimeSpan.Zero
                    ? Options.ReconnectMinBackoff
                    : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, Options.ReconnectMaxBackoff.Ticks));
                LogReconnectFailed(_logger, _endpoint, backoff, ex.Message);
            }
        }
    }

    private async Task<ClientSession> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(Options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(_endpoint, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var pipe = new DuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
            var sender = $"{Options.ClientName}/{Environment.ProcessId}";
            await Handshake.WritePreambleAsync(pipe.Output, new Preamble(FrameFormat.ProtocolVersion, FrameFormat.RoleClient, Options.ClusterId, sender), timeout.Token)
                .ConfigureAwait(false);
            var reply = await Handshake.ReadReplyAsync(pipe.Input, timeout.Token).ConfigureAwait(false);
            if (!reply.Accepted)
            {
                throw new RunnelException(RunnelErrorCode.ProtocolMismatch, $"Silo {_endpoint} rejected the connection: {reply.Reason}.");
            }

            var session = new ClientSession(this);
            session.Connection = new FrameConnection(
                pipe,
                $"{sender} -> {reply.Silo} at {_endpoint}",
                Options.MaxFrameBytes,
                Options.SendQueueCapacity,
                poolReceiveBuffers: false,
                socket.Dispose,
                _logger);
            return session;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            throw ex switch
            {
                RunnelException => ex,
                FrameException => new RunnelException(RunnelErrorCode.ProtocolMismatch, $"{_endpoint} is not a Runnel silo, or broke the handshake: {ex.Message}.", ex),
                OperationCanceledException when cancellationToken.IsCancellationRequested => ex,
                OperationCanceledException => new RunnelException(RunnelErrorCode.ConnectionLost, $"Could not connect to {_endpoint} within {Options.ConnectTimeout}.", ex, isRetriable: true),
                SocketException or IOException => new RunnelException(RunnelErrorCode.ConnectionLost, $"Could not connect to {_endpoint}: {ex.Message}", ex, isRetriable: true),
                _ => ex,
            };
        }
    }

    private void Sweep() => _session?.Sweep(Time.GetUtcNow().UtcTicks);

    /// <summary>Turns proxy calls into <see cref="PendingCall{TResult}"/>s on this client.</summary>
    private sealed class CallInvoker(RunnelClient client) : IGrainCallInvoker
    {
        public OutgoingCall<TResult> StartCall<TResult>(GrainId grainId, uint methodId, IWireCodec<TResult> resultCodec) =>
            new PendingCall<TResult>(client, grainId, methodId, resultCodec);
    }
}
