using System.Net;
using Microsoft.Extensions.Options;

namespace Runnel.Silo;

/// <summary>Checks <see cref="RunnelSiloOptions"/>; each message names the configuration key and the switch.</summary>
public sealed class RunnelSiloOptionsValidator : IValidateOptions<RunnelSiloOptions>
{
    private readonly Func<string, string?> _environment;

    /// <summary>Validates against this process's environment variables.</summary>
    public RunnelSiloOptionsValidator()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Validates against <paramref name="environment"/> (a variable's value, or null when it is not set).</summary>
    public RunnelSiloOptionsValidator(Func<string, string?> environment) => _environment = environment;

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

        if (options.Kubernetes)
        {
            if (string.IsNullOrWhiteSpace(_environment(KubernetesServiceHostVariable)))
            {
                failures.Add($"Runnel:Silo:Kubernetes (--kubernetes) works only inside a Kubernetes pod ({KubernetesServiceHostVariable} is not set): it calls the cluster's API server.");
            }

            foreach (var variable in new[] { RunnelSiloOptions.PodNameVariable, RunnelSiloOptions.PodNamespaceVariable })
            {
                if (string.IsNullOrWhiteSpace(_environment(variable)))
                {
                    failures.Add($"Runnel:Silo:Kubernetes (--kubernetes) needs the environment variable {variable} (set it from the pod's fields with the Downward API).");
                }
            }

            if (!string.IsNullOrEmpty(options.SiloName) && _environment(RunnelSiloOptions.PodNameVariable) is { Length: > 0 } pod && options.SiloName != pod)
            {
                failures.Add($"Runnel:Silo:SiloName (--name) must be the pod's name '{pod}' with Runnel:Silo:Kubernetes, or unset (was '{options.SiloName}').");
            }
        }

        Positive(failures, "CollectionAge", options.CollectionAge);
        Positive(failures, "ShutdownTimeout", options.ShutdownTimeout);
        Positive(failures, "ResponseTimeout", options.ResponseTimeout);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Set by the kubelet in every container: where the API server is.</summary>
    private const string KubernetesServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Runnel:Silo:{name} must be positive (was {value}).");
        }
    }
}
