using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

/// <summary>The connection of <see cref="RunnelClientServiceCollectionExtensions.AddRunnelClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, RunnelConnectionOptions)"/>:
/// opened when the host starts, closed when it stops.</summary>
internal sealed class HostedConnection(RunnelConnectionOptions options, ILoggerFactory? loggerFactory, TimeProvider? time) : IHostedService
{
    private RunnelConnection? _connection;

    public RunnelConnection Connection => _connection
        ?? throw new InvalidOperationException("The Runnel connection opens when the host starts; resolve it from a service that runs after the start (or start the host first).");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _connection = await RunnelConnection.ConnectAsync(options, loggerFactory, time, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
