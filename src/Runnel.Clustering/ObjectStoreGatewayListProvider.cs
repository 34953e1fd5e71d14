using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Runnel.Clustering.Internal;
using Runnel.Storage;

namespace Runnel.Clustering;

/// <summary>
/// Tells an Orleans client which gateways to connect to, from the same membership blob the silos keep
/// (<see cref="ObjectStoreMembershipTable"/>): every Active silo that has a gateway (proxy) port.
/// </summary>
/// <remarks>Each <see cref="GetGatewaysAsync"/> is one blob read. Orleans asks again every
/// <see cref="GatewayOptions.GatewayListRefreshPeriod"/> (<see cref="MaxStaleness"/>). Thread-safe.</remarks>
public sealed class ObjectStoreGatewayListProvider : IGatewayListProvider
{
    private readonly MembershipBlob _blob;

    public ObjectStoreGatewayListProvider(IObjectStore store, IOptions<ClusterOptions> clusterOptions, IOptions<RunnelClusteringOptions> options, IOptions<GatewayOptions> gatewayOptions)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gatewayOptions);
        var clusterId = clusterOptions.Value.ClusterId ?? throw new ArgumentException($"{nameof(ClusterOptions)}.{nameof(ClusterOptions.ClusterId)} is required.", nameof(clusterOptions));
        _blob = new MembershipBlob(store, options.Value.MembershipBlobName(clusterId));
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
    }

    /// <summary>How long the list may be used before asking again: <see cref="GatewayOptions.GatewayListRefreshPeriod"/>.</summary>
    public TimeSpan MaxStaleness { get; }

    [Obsolete("Orleans no longer reads this; every provider is updatable.")]
    public bool IsUpdatable => true;

    /// <summary>Nothing to set up: a missing table reads as empty (no gateways yet).</summary>
    public Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>The gateway URIs of the Active silos with a proxy port, in the table's order.</summary>
    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken = default)
    {
        var (document, _) = await _blob.ReadAsync(cancellationToken).ConfigureAwait(false);
        var gateways = new List<Uri>();
        foreach (var member in document.Members)
        {
            if (member.Status == (int)SiloStatus.Active && member.ProxyPort != 0)
            {
                var silo = SiloAddress.FromParsableString(member.Silo);
                gateways.Add(SiloAddress.New(silo.Endpoint.Address, member.ProxyPort, silo.Generation).ToGatewayUri());
            }
        }

        return gateways;
    }

    // Orleans 10.4 calls the *Async members above; these are its obsolete originals (still abstract).
    Task IGatewayListProvider.InitializeGatewayListProvider() => InitializeGatewayListProviderAsync();

    Task<IList<Uri>> IGatewayListProvider.GetGateways() => GetGatewaysAsync();
}
