using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Runnel.Runtime.Client;

namespace Runnel.Runtime.Transport;

/// <summary>
/// The calling side's connection to one silo endpoint (used by clients, one per silo, and by silos for calls to their
/// peers): many concurrent calls share one TCP connection. Connects lazily: the first call after a drop starts one
/// attempt that concurrent callers share. After a failed attempt, calls fail fast with
/// <see cref="RunnelErrorCode.ConnectionLost"/> for a backoff (doubling from the minimum to the maximum) instead of
/// queueing behind a silo that is down; the router decides whether to wait, refresh its view or go elsewhere.
/// </summary>
/// <remarks>Thread-safe. When the connection drops, its calls in flight fail at once (see <see cref="ClientSession"/>).</remarks>
internal sealed partial class OutboundChannel : IAsyncDisposable
{
    /// <summary>How the socket is read: 64 KiB per read (the default 4 KiB made a 1 MiB fetch response 256 receive
    /// calls), and at least 16 KiB free before a read. 64 KiB stays below the large-object heap's 85,000 bytes.</summary>
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024);

    private readonly ChannelSettings _settings;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private ClientSession? _session;

    // Every session whose connection has not finished closing (OnSessionClosed not yet run), the current one included:
    // their calls are swept for deadlines and failed on dispose even after a newer session replaced them.
    private readonly ConcurrentDictionary<ClientSession, byte> _open = new();
    private Task<ClientSession>? _connecting;
    private TimeSpan _backoff;
    private long _retryAfterTimestamp;
    private string? _lastError;

    public OutboundChannel(IPEndPoint endpoint, ChannelSettings settings, ILogger logger)
    {
        Endpoint = endpoint;
        _settings = settings;
        _logger = logger;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>The silo id the endpoint answered with in its last accepted handshake (null before).</summary>
    public string? RemoteSilo { get; private set; }

    /// <summary>Raised (on a pool thread) after each successful handshake.</summary>
    public event Action<OutboundChannel>? Connected;

    /// <summary>Raised when an established connection closed while the channel was not being disposed (the peer
    /// closed it, reset it, or a read or write failed); on the thread that noticed.</summary>
    public event Action<OutboundChannel>? Disconnected;

    /// <summary>The live session, if any.</summary>
    public ClientSession? Current => _session is { Connection.IsClosed: false } session ? session : null;

    public bool IsDisposed => _disposed.IsCancellationRequested;

    /// <summary>The live session, or a new one (one attempt shared by concurrent callers).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ConnectionLost"/>: the attempt failed, or one failed
    /// within the backoff, or the channel was disposed; <see cref="RunnelErrorCode.ProtocolMismatch"/>: the silo rejected
    /// the preamble.</exception>
    public ValueTask<ClientSession> GetSessionAsync(CancellationToken cancellationToken)
    {
        var current = Current;
        return current is not null ? new ValueTask<ClientSession>(current) : ConnectSlowAsync(cancellationToken);
    }

    /// <summary>Fails calls whose deadline passed (see <see cref="ClientSession.Sweep"/>).</summary>
    public void Sweep(long nowTicks)
    {
        foreach (var session in _open.Keys)
        {
            session.Sweep(nowTicks);
        }
    }

    /// <summary>True when the current connection has a call registered before <paramref name="cutoffTicks"/> still
    /// waiting for its answer.</summary>
    public bool HasCallWaitingSince(long cutoffTicks) => _open.Keys.Any(session => session.HasCallWaitingSince(cutoffTicks));

    /// <summary>Drops the current connection (its calls in flight fail); the next call reconnects.</summary>
    public void Drop(string reason) => _session?.Connection.Close(reason);

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        // Calls in flight fail now, not when (or if) their connection's loops finish closing.
        foreach (var session in _open.Keys)
        {
            session.Connection.Close("the channel was disposed");
            session.FailPending();
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>A session's connection closed (called once per session).</summary>
    internal void OnSessionClosed(ClientSession session)
    {
        _open.TryRemove(session, out _);
        lock (_gate)
        {
            if (_session == session)
            {
                _session = null;
            }
        }

        if (!_disposed.IsCancellationRequested)
        {
            LogConnectionLost(_logger, Endpoint);
            Disconnected?.Invoke(this);
        }
    }

    private async ValueTask<ClientSession> ConnectSlowAsync(CancellationToken cancellationToken)
    {
        Task<ClientSession> attempt;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                // The router drops a channel when its silo leaves the view; a call that picked it up just before is
                // routed again on the newer view, like any other lost connection.
                throw new RunnelException(RunnelErrorCode.ConnectionLost, $"The channel to {Endpoint} was closed (its silo left the view).", isRetriable: true);
            }

            if (Current is { } live)
            {
                return live;
            }

            if (_connecting is null)
            {
                var wait = _settings.Time.GetElapsedTime(_retryAfterTimestamp);
                if (_retryAfterTimestamp != 0 && wait < TimeSpan.Zero)
                {
                    throw new RunnelException(
                        RunnelErrorCode.ConnectionLost,
                        $"Not connected to {Endpoint}: the last attempt failed ({_lastError}); the next one is in {-wait}.",
                        isRetriable: true);
                }

                // On the pool: the attempt never completes inside this lock.
                _connecting = Task.Run(ConnectAndInstallAsync);
            }

            attempt = _connecting;
        }

        return await attempt.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ClientSession> ConnectAndInstallAsync()
    {
        try
        {
            var session = await ConnectOnceAsync(_disposed.Token).ConfigureAwait(false);
            _open[session] = 0;

            // Calls in flight fail the moment the connection closes, not when its loops have finished: a write loop
            // still draining into a reset socket held them until their deadline (a killed seed silo, 1 run in ~16).
            session.Connection.Closed.Register(static s => ((ClientSession)s!).FailPending(), session);
            lock (_gate)
            {
                _session = session;
                _connecting = null;
                _backoff = TimeSpan.Zero;
                _retryAfterTimestamp = 0;
            }

            _ = Task.Run(() => session.Connection.RunAsync(session));
            LogConnected(_logger, Endpoint, RemoteSilo ?? "?");
            Connected?.Invoke(this);
            return session;
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _connecting = null;
                _backoff = _backoff == TimeSpan.Zero
                    ? _settings.ReconnectMinBackoff
                    : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _settings.ReconnectMaxBackoff.Ticks));
                _retryAfterTimestamp = _settings.Time.GetTimestamp() + (long)(_backoff.TotalSeconds * _settings.Time.TimestampFrequency);
                _lastError = ex.Message;
            }

            LogConnectFailed(_logger, Endpoint, _backoff, ex.Message);
            throw;
        }
    }

    private async Task<ClientSession> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        if (_settings.Gate is { } gate && !gate.Allows(_settings.Role == FrameFormat.RoleSilo ? Endpoint.ToString() : null))
        {
            throw new RunnelException(RunnelErrorCode.ConnectionLost, $"Could not connect to {Endpoint}: the network is cut (fault injection).", isRetriable: true);
        }

        var socket = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(Endpoint, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var pipe = new DuplexPipe(PipeReader.Create(stream, ReaderOptions), PipeWriter.Create(stream));
            await Handshake.WritePreambleAsync(pipe.Output, new Preamble(FrameFormat.ProtocolVersion, _settings.Role, _settings.ClusterId, _settings.Sender), timeout.Token)
                .ConfigureAwait(false);
            var reply = await Handshake.ReadReplyAsync(pipe.Input, timeout.Token).ConfigureAwait(false);
            if (reply.Status == FrameFormat.ReplyUnavailable)
            {
                throw new RunnelException(RunnelErrorCode.ConnectionLost, $"Silo {Endpoint} is not taking connections now: {reply.Reason}.", isRetriable: true);
            }

            if (!reply.Accepted)
            {
                throw new RunnelException(RunnelErrorCode.ProtocolMismatch, $"Silo {Endpoint} rejected the connection: {reply.Reason}.");
            }

            // Frames are read straight off the socket from here on (SocketFrameSource): a silo sends nothing before it
            // is asked, so nothing may be left in the handshake's pipe.
            var leftover = Handshake.TakeLeftover(pipe.Input);
            if (GoodbyeFrame.IsExactly(leftover))
            {
                // The silo began stopping just after it accepted us: nothing was sent on this connection yet.
                throw new RunnelException(RunnelErrorCode.ConnectionLost, $"Silo {Endpoint} said goodbye right after accepting the connection (it is stopping).", isRetriable: true);
            }

            if (leftover.Length > 0)
            {
                throw new FrameException($"{leftover.Length} unexpected bytes after the handshake reply");
            }

            RemoteSilo = reply.Silo;
            var session = new ClientSession(this);
            session.Connection = new FrameConnection(
                pipe,
                $"{_settings.Sender} -> {reply.Silo} at {Endpoint}",
                _settings.MaxFrameBytes,
                _settings.SendQueueCapacity,
                poolReceiveBuffers: false,
                socket.Dispose,
                _logger,
                socket: socket);
            return session;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            throw ex switch
            {
                RunnelException => ex,
                FrameException { IsPeerClosed: true } => new RunnelException(RunnelErrorCode.ConnectionLost, $"{Endpoint} closed the connection during the handshake.", ex, isRetriable: true),
                FrameException => new RunnelException(RunnelErrorCode.ProtocolMismatch, $"{Endpoint} is not a Runnel silo, or broke the handshake: {ex.Message}.", ex),
                OperationCanceledException when cancellationToken.IsCancellationRequested => ex,
                OperationCanceledException => new RunnelException(RunnelErrorCode.ConnectionLost, $"Could not connect to {Endpoint} within {_settings.ConnectTimeout}.", ex, isRetriable: true),
                SocketException or IOException => new RunnelException(RunnelErrorCode.ConnectionLost, $"Could not connect to {Endpoint}: {ex.Message}", ex, isRetriable: true),
                _ => ex,
            };
        }
    }
}
