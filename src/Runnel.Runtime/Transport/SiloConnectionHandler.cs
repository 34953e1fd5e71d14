using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Transport;

/// <summary>
/// The silo's side of each accepted TCP connection (<see cref="SiloListener"/> accepts them): reads and checks the
/// preamble (protocol version, cluster id; a silo the view says is Dead is refused), answers accept or reject with
/// this silo's id, then runs the connection's frame loops until it closes. Frames are read straight off the socket
/// (a large one into its own buffer, in as few receives as the kernel allows) and responses sent to it as gather
/// lists. Connections arriving before the silo has joined, or while it stops, are turned away as unavailable. One
/// instance per silo (a singleton); tracks live connections so that stopping the silo, or the network gate, can
/// close them.
/// </summary>
internal sealed partial class SiloConnectionHandler
{
    /// <summary>The handshake's reads: a preamble is at most 1 KiB, and the caller sends nothing more before the reply.</summary>
    private static readonly StreamPipeReaderOptions HandshakeReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024);

    /// <summary>How long a goodbye waits for the caller to close its side before the silo closes the connection.</summary>
    private static readonly TimeSpan GoodbyeLinger = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<FrameConnection, LiveConnection> _live = new();
    private readonly Catalog _catalog;
    private readonly SiloState _state;
    private readonly NetworkGate _gate;
    private readonly ILogger<SiloConnectionHandler> _logger;
    private readonly SiloOptions _options;
    private volatile bool _stopping;
    private long _accepted;

    public SiloConnectionHandler(Catalog catalog, SiloState state, NetworkGate gate, IOptions<SiloOptions> options, ILogger<SiloConnectionHandler> logger)
    {
        _catalog = catalog;
        _state = state;
        _gate = gate;
        _logger = logger;
        _options = options.Value;
        _gate.Changed += OnGateChanged;
    }

    /// <summary>Serves one accepted connection until it closes (never throws: failures close the connection).</summary>
    public async Task OnAcceptedAsync(Socket socket)
    {
        string name;
        try
        {
            socket.NoDelay = true;
            name = $"{socket.RemoteEndPoint} -> {_options.SiloName} (#{Interlocked.Increment(ref _accepted)})";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            return;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        var pipe = new DuplexPipe(PipeReader.Create(stream, HandshakeReaderOptions), PipeWriter.Create(stream));
        var (accepted, peerEndpoint) = await HandshakeAsync(pipe, name).ConfigureAwait(false);
        if (!accepted)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        // Responses go to the socket as gather lists (a fetch's batches are not copied on the way) and frames are read
        // straight off it. Valid because nothing sits between this handler and the socket: a transport that
        // transforms the stream (TLS) would have to take the pipe instead.
        var sink = new SocketFrameSink(socket, pipe.Output);
        var frames = new FrameConnection(pipe, name, _options.MaxFrameBytes, _options.SendQueueCapacity, poolReceiveBuffers: true, socket.Dispose, _logger, sink, socket);
        var handler = new SiloConnection(frames, _catalog, _state, _options.MaxFrameBytes);
        _live.TryAdd(frames, new LiveConnection(peerEndpoint, handler, socket));
        try
        {
            var running = frames.RunAsync(handler);
            if (_stopping)
            {
                // Accepted while stopping: nothing will be read from it, and the caller is told so.
                _ = handler.SayGoodbyeAsync(() => WaitForCallerToCloseAsync(socket), CancellationToken.None);
            }
            else if (!_gate.Allows(peerEndpoint))
            {
                frames.Close("the network is cut (fault injection)");
            }

            await running.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            frames.Close("the connection failed: " + ex.Message, isViolation: ex is not (IOException or SocketException or ObjectDisposedException));
        }
        finally
        {
            _live.TryRemove(frames, out _);
        }
    }

    /// <summary>After a goodbye: waits until the caller closes its side (reading, and dropping, what it still sends) or
    /// <see cref="GoodbyeLinger"/> passes, so that closing sends no reset that could overtake the goodbye.</summary>
    private static async Task WaitForCallerToCloseAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(GoodbyeLinger);
        var scratch = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Out of time, or the connection is gone already.
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
        return Task.WhenAll(_live.Values.Select(live => live.Handler.SayGoodbyeAsync(() => WaitForCallerToCloseAsync(live.Socket), cancellationToken)));
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

    private async Task<(bool Accepted, string? PeerEndpoint)> HandshakeAsync(IDuplexPipe pipe, string name)
    {
        using var timeout = new CancellationTokenSource(_options.HandshakeTimeout);
        try
        {
            var preamble = await Handshake.ReadPreambleAsync(pipe.Input, timeout.Token).ConfigureAwait(false);
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
                return (false, null);
            }

            var self = _state.Self?.ToString() ?? _options.SiloName;
            await Handshake.WriteReplyAsync(pipe.Output, new PreambleReply(FrameFormat.ProtocolVersion, reason is null ? FrameFormat.ReplyAccepted : status, reason ?? "", self), timeout.Token)
                .ConfigureAwait(false);
            if (reason is not null)
            {
                LogRejected(_logger, name, preamble.Sender, reason);
                return (false, null);
            }

            // Frames are read straight off the socket from here on: the caller sends none before the reply, so nothing
            // may be left in the handshake's pipe.
            var leftover = Handshake.TakeLeftover(pipe.Input);
            if (leftover.Length > 0)
            {
                throw new FrameException($"{leftover.Length} bytes sent before the handshake reply");
            }

            LogAccepted(_logger, name, preamble.Sender);
            return (true, peerEndpoint);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            LogRejected(_logger, name, "?", "the connection failed during the handshake: " + ex.Message);
            return (false, null);
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

    private readonly record struct LiveConnection(string? PeerEndpoint, SiloConnection Handler, Socket Socket);
}
