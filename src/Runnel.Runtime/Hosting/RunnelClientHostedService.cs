using Microsoft.Extensions.Hosting;
using Runnel.Runtime.Client;

namespace Runnel.Runtime.Hosting;

/// <summary>Connects the registered <see cref="RunnelClient"/> when the host starts and closes it when it stops.</summary>
internal sealed class RunnelClientHostedService(RunnelClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => client.ConnectAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => client.DisposeAsync().AsTask();
}
