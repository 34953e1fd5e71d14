using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Kestrel's entry point for each accepted TCP connection: reads and checks the preamble (protocol version,
/// cluster id), answers accept or reject, then runs the connection's frame loops until it closes. One instance per
/// silo (a singleton); tracks live connections so that stopping the silo can close them.
/// </summary>
internal sealed partial class SiloConnectionHandler(Catalog catalog, IOptions<SiloOptions> options, ILogger<SiloConnectionHandler> logger) : ConnectionHandler
{
    private readonly ConcurrentDictionary<FrameConnection, byte> _live = new();
    private readonly SiloOptions _options = options.Value;
    private volatile bool _stopping;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var name = $"{connection.RemoteEndPoint} -> {_options.SiloName} ({connection.ConnectionId})";
        if (!await HandshakeAsync(connection, name).ConfigureAwait(false))
        {
            return;
        }

        var frames = new FrameConnection(connection.Transport, name, _options.MaxFrameBytes, _options.SendQueueCapacity, poolReceiveBuffers: true, connection.Abort, logger);
        _live.TryAdd(frames, 0);
        try
        {
            if (_stopping)
            {
                frames.Close("the silo is stopping");
            }

            await frames.RunAsync(new SiloConnection(frames, catalog, _options.MaxFrameBytes)).ConfigureAwait(false);
        }
        finally
        {
            _live.TryRemove(frames, out _);
        }
    }

    /// <summary>Closes every connection and refuses new ones (the silo is stopping).</summary>
    public void CloseAll()
    {
        _stopping = true;
        foreach (var frames in _live.Keys)
        {
            frames.Close("the silo is stopping");
        }
    }

    private async Task<bool> HandshakeAsync(ConnectionContext connection, string name)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            var preamble = await Handshake.ReadPreambleAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
            string? reason = null;
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

            await Handshake.WriteReplyAsync(connection.Transport.Output, new PreambleReply(FrameFormat.ProtocolVersion, reason is null, reason ?? "", _options.SiloName), timeout.Token)
                .ConfigureAwait(false);
            if (reason is not null)
            {
                LogRejected(logger, name, preamble.Sender, reason);
                return false;
            }

            LogAccepted(logger, name, preamble.Sender);
            return true;
        }
        catch (FrameException ex)
        {
            LogRejected(logger, name, "?", ex.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            LogRejected(logger, name, "?", $"no preamble within {_options.HandshakeTimeout}");
            return false;
        }
    }
}
