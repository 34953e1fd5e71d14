using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>Prepares an application's own Orleans cluster client to call Runnel's grains.</summary>
public static class RunnelClientBuilderExtensions
{
    /// <summary>
    /// What a <see cref="RunnelConnection"/> of Runnel's own does to its Orleans client, for a client the application
    /// builds (<c>UseOrleansClient</c>): Runnel's errors arrive as <see cref="RunnelException"/> with their codes, and a
    /// call to a Runnel grain still in flight when a gateway connection is lost, or when the silo serving it leaves the
    /// cluster, ends as a retriable <see cref="RunnelErrorCode.OutcomeUnknown"/> instead of waiting out Orleans' response
    /// timeout (30 s; Orleans never fails a call that went through a gateway that died). Producers retry it. Also
    /// registers the <see cref="RunnelConnection"/> over this client (<see cref="RunnelClientServiceCollectionExtensions.AddRunnelClient(IServiceCollection)"/>).
    /// Calling it again changes nothing.
    /// </summary>
    public static IClientBuilder AddRunnel(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.Services.Any(d => d.ServiceType == typeof(ConnectionStatus)))
        {
            return client;
        }

        AddCallHandling(client);
        client.Services.AddRunnelClient();
        return client;
    }

    /// <summary>The status observer and the two call filters, shared with <see cref="RunnelConnection.ConnectAsync"/>.</summary>
    internal static void AddCallHandling(IClientBuilder client)
    {
        client.Services.TryAddSingleton<ConnectionStatus>();
        client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ConnectionStatus>());
        client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        client.AddOutgoingGrainCallFilter<StalledCallWatchdog>();
    }
}
