using System.Net;
using Microsoft.Extensions.Options;

namespace Runnel.Silo;

/// <summary>Checks <see cref="RunnelSiloOptions"/>; each message names the configuration key and the switch.</summary>
public sealed class RunnelSiloOptionsValidator : IValidateOptions<RunnelSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnelSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add("Runnel:Silo:ClusterId (--cluster) must not be empty.");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out var listen))
        {
            failures.Add($"Runnel:Silo:ListenAddress (--listen-address) must be an IP address (was '{options.ListenAddress}').");
        }

        if (options.AdvertisedAddress is { } advertised)
        {
            if (!IPAddress.TryParse(advertised, out var address) || IsWildcard(address))
            {
                failures.Add($"Runnel:Silo:AdvertisedAddress (--advertised-address) must be a specific IP address (was '{advertised}').");
            }
        }
        else if (listen is not null && IsWildcard(listen))
        {
            failures.Add($"Runnel:Silo:AdvertisedAddress (--advertised-address) must be set when Runnel:Silo:ListenAddress is a wildcard ('{options.ListenAddress}'): peers need an address to reach this silo at.");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"Runnel:Silo:Port (--port) must be between 1 and 65535 (was {options.Port}).");
        }

        if (options.SiloPort is < 0 or > 65535)
        {
            failures.Add($"Runnel:Silo:SiloPort (--silo-port) must be between 1 and 65535, or 0 for --port + {RunnelSiloOptions.SiloPortOffset} (was {options.SiloPort}).");
        }
        else if (options.Port is >= 1 and <= 65535 && options.EffectiveSiloPort == options.Port)
        {
            failures.Add($"Runnel:Silo:SiloPort (--silo-port) must differ from Runnel:Silo:Port (--port) (both {options.Port}).");
        }

        Positive(failures, "CollectionAge", options.CollectionAge);
        Positive(failures, "ShutdownTimeout", options.ShutdownTimeout);
        Positive(failures, "ResponseTimeout", options.ResponseTimeout);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Runnel:Silo:{name} must be positive (was {value}).");
        }
    }
}
