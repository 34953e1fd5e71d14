using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime;

/// <summary>
/// A silo: hosts grain activations and serves grain calls over TCP. Registered by
/// <see cref="RunnelHostingExtensions.AddRunnelSilo"/> as a hosted service; runs its own Kestrel server for the
/// raw TCP endpoint, so it fits in any generic host (a web host may serve HTTP beside it).
/// </summary>
/// <remarks>Stopping rejects new calls, deactivates every activation (bounded by
/// <see cref="SiloOptions.ShutdownTimeout"/>), then closes every connection.</remarks>
public sealed partial class RunnelSilo : IHostedService, IAsyncDisposable
{
    /// <summary>Room for one maximal frame plus what arrives behind it before the read loop catches up.</summary>
    private const int ReadBufferSlack = 64 * 1024;

    private readonly SiloOptions _options;
    private readonly Catalog _catalog;
    private readonly SiloConnectionHandler _handler;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private KestrelServer? _server;
    private IPEndPoint? _endpoint;

    internal RunnelSilo(IOptions<SiloOptions> options, Catalog catalog, SiloConnectionHandler handler, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _catalog = catalog;
        _handler = handler;
        _services = services;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RunnelSilo>();
    }

    /// <summary>The endpoint the silo listens on (with the real port when <see cref="SiloOptions.Port"/> is 0).</summary>
    /// <exception cref="InvalidOperationException">The silo has not started.</exception>
    public IPEndPoint LocalEndpoint => _endpoint ?? throw new InvalidOperationException("The silo has not started.");

    /// <summary>How many grain activations this silo holds now (diagnostics).</summary>
    public int ActivationCount => _catalog.ActivationCount;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kestrel = new KestrelServerOptions { ApplicationServices = _services, AddServerHeader = false };
        ListenOptions? listen = null;
        kestrel.Listen(IPAddress.Parse(_options.ListenAddress), _options.Port, l =>
        {
            listen = l;
            l.UseConnectionHandler<SiloConnectionHandler>();
        });
        var sockets = new SocketTransportOptions { NoDelay = true, MaxReadBufferSize = _options.MaxFrameBytes + ReadBufferSlack };
        _server = new KestrelServer(Options.Create(kestrel), new SocketTransportFactory(Options.Create(sockets), _loggerFactory), _loggerFactory);
        _catalog.Start();
        await _server.StartAsync(new NoHttpApplication(), cancellationToken).ConfigureAwait(false);
        _endpoint = listen?.IPEndPoint ?? throw new InvalidOperationException("Kestrel did not bind the silo endpoint.");
        LogStarted(_logger, _options.SiloName, _options.ClusterId, _endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(_logger, _options.SiloName);
        await _catalog.StopAsync(cancellationToken).ConfigureAwait(false);
        _handler.CloseAll();
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        LogStopped(_logger, _options.SiloName);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        _catalog.Dispose();
        return default;
    }

    /// <summary>Kestrel needs an HTTP application even when every endpoint is a raw connection handler.</summary>
    private sealed class NoHttpApplication : IHttpApplication<object>
    {
        public object CreateContext(IFeatureCollection contextFeatures) => new();

        public Task ProcessRequestAsync(object context) => Task.CompletedTask;

        public void DisposeContext(object context, Exception? exception)
        {
        }
    }
}
