namespace Runnel.Silo;

/// <summary>
/// The silo's own settings (section <c>Runnel:Silo</c>): where it listens, what it advertises, which cluster it joins.
/// They become Orleans' endpoint, cluster and silo options; validated at start by <see cref="RunnelSiloOptionsValidator"/>
/// with messages naming the key and switch.
/// </summary>
public sealed class RunnelSiloOptions
{
    /// <summary>The default gateway port, where clients connect (<c>--port</c>).</summary>
    public const int DefaultPort = 7100;

    /// <summary>How far the silo-to-silo port lies from the gateway port when <see cref="SiloPort"/> is not set.</summary>
    public const int SiloPortOffset = 1000;

    /// <summary>The cluster this silo joins; clients must name the same. Default <c>dev</c>.</summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>This silo's name in logs and in the membership table. Default <c>{machine}-{port}</c>.</summary>
    public string? SiloName { get; set; }

    /// <summary>The IP address every port listens on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The address other silos and clients reach this silo at. Default null: <see cref="ListenAddress"/>, which
    /// must then not be a wildcard (0.0.0.0, ::).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The gateway port clients connect to. Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The port silos talk to each other on. Default 0: <see cref="Port"/> + <see cref="SiloPortOffset"/> (or
    /// minus it, above 64535), so silos given only distinct <c>--port</c>s start side by side.</summary>
    public int SiloPort { get; set; }

    /// <summary>An activation with no call for this long is deactivated. Default 15 min (as Orleans).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long graceful shutdown may take: every activation deactivates (partitions seal and release their
    /// logs); past it the rest are abandoned and their successors fence them through the store. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a grain call may wait for its response. Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Run as a Kubernetes pod (<c>--kubernetes true</c>): Orleans' Kubernetes hosting names the silo after its
    /// pod and removes the membership rows of silos whose pods are gone, through the Kubernetes API (the pod's service
    /// account needs the RBAC in <c>infra/k8s/base/rbac.yaml</c>). Needs the environment variables
    /// <see cref="PodNameVariable"/> and <see cref="PodNamespaceVariable"/> (the Downward API). Default off.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>The pod's name, set from <c>metadata.name</c>; with <see cref="Kubernetes"/> the silo's name.</summary>
    public const string PodNameVariable = "POD_NAME";

    /// <summary>The pod's namespace, set from <c>metadata.namespace</c>; where the silo looks for its peers' pods.</summary>
    public const string PodNamespaceVariable = "POD_NAMESPACE";

    /// <summary>The silo-to-silo port in effect.</summary>
    public int EffectiveSiloPort => SiloPort != 0 ? SiloPort : Port + SiloPortOffset <= 65535 ? Port + SiloPortOffset : Port - SiloPortOffset;

    /// <summary>The name in effect.</summary>
    public string EffectiveSiloName =>
        !string.IsNullOrEmpty(SiloName) ? SiloName
        : Kubernetes && Environment.GetEnvironmentVariable(PodNameVariable) is { Length: > 0 } pod ? pod
        : $"{Environment.MachineName}-{Port}";
}
