namespace Runnel.Silo;

/// <summary>
/// The host's own settings (section <c>Runnel</c>); the silo's runtime settings are <see cref="RunnelSiloOptions"/>
/// (section <c>Runnel:Silo</c>) and the grains' are <see cref="Grains.RunnelGrainsOptions"/> (section
/// <c>Runnel:Grains</c>). Sources, later ones winning: appsettings.json, environment variables (<c>Runnel__...</c>),
/// the command line.
/// </summary>
public sealed class SiloHostOptions
{
    /// <summary>The HTTP port for <c>/healthz</c> and <c>/readyz</c>, on the silo's listen address. Default 7180.
    /// <c>--http-port</c>.</summary>
    public int HttpPort { get; set; } = 7180;

    public StorageOptions Storage { get; set; } = new();

    /// <summary>How often the silo that reports consumer lag (the oldest active silo of the cluster) samples every group's
    /// lag for the <c>runnel.group.lag</c> gauge. Each sample describes every topic and group: one call per partition and
    /// per group. Default 15 s; 1 s to 1 h. <c>Runnel:LagSampleInterval</c>.</summary>
    public TimeSpan LagSampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The bounds of <see cref="LagSampleInterval"/>: below a second the samples would cost more than the scrapes
    /// they feed are worth; above an hour lag alerts would be meaningless.</summary>
    internal static readonly TimeSpan MinLagSampleInterval = TimeSpan.FromSeconds(1);

    internal static readonly TimeSpan MaxLagSampleInterval = TimeSpan.FromHours(1);
}
