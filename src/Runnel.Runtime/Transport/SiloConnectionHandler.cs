using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Kestrel's entry point for each accepted TCP connection: reads and checks the preamble (protocol version,
/// cluster id; a silo the view says is Dead is refused), answers accept or reject with this silo's id, then runs the
/// connection's frame loops until it closes. Connections arriving before the silo has joined are refused. One
/// instance per silo (a singleton); tracks live connections so that stopping the silo, or the network gate, can
/// close them.
/// </summary>
internal sealed partial class SiloConnectionHandler : ConnectionHandler
{
    /// <summary>How long a goodbye waits for the caller to close its side before the silo closes the connection.</summary>
    private static readonly TimeSpan GoodbyeLinger = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<FrameConnection, LiveConnection> _live = new();
    private readonly Catalog _catalog;
    private readonly SiloState _state;
    private readonly NetworkGate _gate;
    private readonly ILogger<SiloConnectionHandler> _logger;
    private readonly SiloOptions _options;
    private volatile bool _stopping;

    public SiloConnectionHandler(Catalog catalog, SiloState state, NetworkGate gate, IOptions<SiloOptions> options, ILogger<SiloConnectionHandler> logger)
    {
        _catalog = catalog;
        _state = state;
        _gate = gate;
        _logger = logger;
        _options = options.Value;
        _gate.Changed += OnGateChanged;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var name = $"{connection.RemoteEndPoint} -> {_options.SiloName} ({connection.ConnectionId})";
        var (accepted, peerEndpoint) = await HandshakeAsync(connection, name).ConfigureAwait(false);
        if (!accepted)
        {
            return;
        }

        // Responses go to the socket as gather lists (a fetch's batches are not copied into the transport's pipe);
        // a transport without a socket (none here today) gets the pipe. Valid because nothing sits between this handler
        // and the socket: connection middleware that transforms the stream (TLS) would have to take the pipe instead.
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var sink = socket is null ? null : new SocketFrameSink(socket, connection.Transport.Output);
        var frames = new FrameConnection(connection.Transport, name, _options.MaxFrameBytes, _options.SendQueueCapacity, poolReceiveBuffers: true, connection.Abort, _logger, sink);
        var handler = new SiloConnection(frames, _catalog, _state, _options.MaxFrameBytes);
        _live.TryAdd(frames, new LiveConnection(peerEndpoint, handler, connection.ConnectionClosed));
        try
        {
            var running = frames.RunAsync(handler);
            if (_stopping)
            {
                // Accepted while stopping: nothing will be read from it, and the caller is told so.
                _ = handler.SayGoodbyeAsync(connection.ConnectionClosed, GoodbyeLinger, CancellationToken.None);
            }
            else if (!_gate.Allows(peerEndpoint))
            {
                frames.Close("the network is cut (fault injection)");
            }

            await running.ConfigureAwait(false);
        }
        finally
        {
            _live.TryRemove(frames, out _);
        }
    }

    /// <summary>Closes every connection at once and refuses new ones (a killed silo: no goodbye).</summary>
    public void CloseAll()
    {
        _stopping = true;
        foreach (var frames in _live.Keys)
        {
            frames.Close("the silo is stopping");
        }
    }

    /// <summary>
    /// Ends every connection gracefully (the silo is stopping): each stops reading, answers the calls it read, and
    /// sends a goodbye so its caller resends what was not read elsewhere (<see cref="SiloConnection.SayGoodbyeAsync"/>).
    /// Connections accepted from now on get the goodbye at once. A connection whose calls do not finish before
    /// <paramref name="cancellationToken"/> fires is closed without one.
    /// </summary>
    public Task SayGoodbyeAllAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        Interlocked.MemoryBarrier(); // against a connection added meanwhile: it sees _stopping, or this sees it
        return Task.WhenAll(_live.Values.Select(live => live.Handler.SayGoodbyeAsync(live.PeerClosed, GoodbyeLinger, cancellationToken)));
    }

    /// <summary>The handlers of the connections open now (for tests).</summary>
    internal IReadOnlyList<SiloConnection> Live => _live.Values.Select(l => l.Handler).ToList();

    private void OnGateChanged()
    {
        foreach (var (frames, (peer, _, _)) in _live)
        {
            if (!_gate.Allows(peer))
            {
                frames.Close("the network is cut (fault injection)");
            }
        }
    }

    private async Task<(bool Accepted, string? PeerEndpoint)> HandshakeAsync(ConnectionContext connection, string name)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            var preamble = await Handshake.ReadPreambleAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
            string? peerEndpoint = null;
            string? reason = null;
            var status = FrameFormat.ReplyRejected;
            if (preamble.Version != FrameFormat.ProtocolVersion)
            {
                reason = $"protocol version {preamble.Version} is not supported (this silo speaks {FrameFormat.ProtocolVersion})";
            }
            else if (!string.Equals(preamble.ClusterId, _options.ClusterId, StringComparison.Ordinal))
            {
                reason = $"cluster id '{preamble.ClusterId}' does not match this silo's '{_options.ClusterId}'";
            }
            else if (preamble.Role is not (FrameFormat.RoleClient or FrameFormat.RoleSilo))
            {
                reason = $"unknown role {preamble.Role}";
            }
            else if (_state.Self is null)
            {
                reason = "the silo has not joined its cluster yet";
                status = FrameFormat.ReplyUnavailable;
            }
            else if (_stopping)
            {
                reason = "the silo is stopping";
                status = FrameFormat.ReplyUnavailable;
            }
            else if (preamble.Role == FrameFormat.RoleSilo && SiloAddress.TryParse(preamble.Sender, out var peer))
            {
                peerEndpoint = peer.Endpoint;
                if (_state.Snapshot?.Table.StatusOf(peer) == SiloStatus.Dead)
                {
                    reason = $"silo {peer} is Dead in view {_state.Snapshot.Version}";
                }
            }

            if (reason is null && !_gate.Allows(peerEndpoint))
            {
                // A cut network: no answer at all, as if the packets were lost.
                connection.Abort();
                return (false, null);
            }

            var self = _state.Self?.ToString() ?? _options.SiloName;
            await Handshake.WriteReplyAsync(connection.Transport.Output, new PreambleReply(FrameFormat.ProtocolVersion, reason is null ? FrameFormat.ReplyAccepted : status, reason ?? "", self), timeout.Token)
                .ConfigureAwait(false);
            if (reason is not null)
            {
                LogRejected(_logger, name, preamble.Sender, reason);
                return (false, null);
            }

            LogAccepted(_logger, name, preamble.Sender);
            return (true, peerEndpoint);
        }
        catch (FrameException ex)
        {
            LogRejected(_logger, name, "?", ex.Message);
            return (false, null);
        }
        catch (OperationCanceledException)
        {
            LogRejected(_logger, name, "?", $"no preamble within {_options.HandshakeTimeout}");
            return (false, null);
        }
    }

    private readonly record struct LiveConnection(string? PeerEndpoint, SiloConnection Handler, CancellationToken PeerClosed);
}
