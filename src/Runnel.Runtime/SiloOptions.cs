namespace Runnel.Runtime;

/// <summary>
/// A silo's settings. Bind them from configuration (<c>services.Configure&lt;SiloOptions&gt;(section)</c>) or set
/// them in <c>AddRunnelSilo</c>; they are validated when the host starts (<see cref="SiloOptionsValidator"/>), with
/// messages that name the field.
/// </summary>
public sealed class SiloOptions
{
    /// <summary>The 16 MiB default: a produce request carries record batches of up to a few MiB (Kafka's default
    /// max.request.size is 1 MiB, message.max.bytes ~1 MiB); 16 MiB leaves headroom without letting one peer make
    /// the silo buffer hundreds of MiB.</summary>
    public const int DefaultMaxFrameBytes = 16 * 1024 * 1024;

    /// <summary>The cluster this silo belongs to; a connection whose preamble names another cluster is rejected.
    /// Default <c>dev</c>.</summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>This silo's name in preambles and logs. Default: the machine name.</summary>
    public string SiloName { get; set; } = Environment.MachineName;

    /// <summary>The IP address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The address other silos and clients reach this silo at (in its <see cref="SiloAddress"/>). Default null:
    /// <see cref="ListenAddress"/>, which must then not be a wildcard (0.0.0.0, ::).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The TCP port for grain calls; 0 picks a free port (read it from <see cref="RunnelSilo.LocalEndpoint"/>).
    /// Default 11111.</summary>
    public int Port { get; set; } = 11111;

    /// <summary>The largest frame accepted or sent, in bytes (length prefix excluded). Default
    /// <see cref="DefaultMaxFrameBytes"/>; from 64 KiB to 1 GiB.</summary>
    public int MaxFrameBytes { get; set; } = DefaultMaxFrameBytes;

    /// <summary>How many items may wait in one activation's mailbox before senders wait for room. Default 1024.</summary>
    public int MailboxCapacity { get; set; } = 1024;

    /// <summary>How many frames may wait to be written on one connection before senders wait. Default 1024.</summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>How long a new connection may take to send its preamble. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An activation with no call for this long is deactivated. Default 15 min (as Orleans).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 min; must not exceed <see cref="CollectionAge"/>.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long <see cref="Grain.OnDeactivateAsync"/> may run before its token fires. Default 30 s.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long graceful shutdown may take: marking ShuttingDown, deactivating every activation (their
    /// <see cref="Grain.OnDeactivateAsync"/> runs: partitions seal and release their logs there), marking Dead. Past it,
    /// remaining activations are abandoned and the silo exits; their successors fence them through the store. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a call from a grain to a grain on another silo may take, retries at new owners included.
    /// Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the embedded file store keeps its data when no <c>IObjectStore</c> is registered in the host's
    /// services (the membership table lives there too, so a single silo is a cluster of one on local disk). Relative
    /// paths are under the current directory. Default <c>runnel-data</c>.</summary>
    public string DataDirectory { get; set; } = "runnel-data";
}
