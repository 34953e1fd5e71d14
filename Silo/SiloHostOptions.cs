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
}
