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

    /// <summary>How long stopping the silo waits for activations to deactivate. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
