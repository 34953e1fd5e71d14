using Microsoft.Extensions.Options;

namespace Runnel.Silo;

/// <summary>Validates <see cref="SiloHostOptions"/>; each failure names the configuration key and its switch.</summary>
public sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.HttpPort is < 0 or > 65535)
        {
            failures.Add($"Runnel:HttpPort (--http-port) must be between 0 and 65535 (was {options.HttpPort}).");
        }

        if (options.LagSampleInterval < SiloHostOptions.MinLagSampleInterval || options.LagSampleInterval > SiloHostOptions.MaxLagSampleInterval)
        {
            failures.Add($"Runnel:LagSampleInterval must be between 00:00:01 and 01:00:00 (was {options.LagSampleInterval:c}).");
        }

        var storage = options.Storage;
        switch (storage?.Kind)
        {
            case "file":
                if (string.IsNullOrWhiteSpace(storage.DataDirectory))
                {
                    failures.Add("Runnel:Storage:DataDirectory (--data-dir) must not be empty when Runnel:Storage:Kind is 'file'.");
                }

                break;
            case "azure":
                ValidateAzure(storage, failures);

                if (string.IsNullOrWhiteSpace(storage.ContainerName))
                {
                    failures.Add("Runnel:Storage:ContainerName (--container) must not be empty when Runnel:Storage:Kind is 'azure'.");
                }

                break;
            default:
                failures.Add($"Runnel:Storage:Kind (--storage) must be 'file' or 'azure' (was '{storage?.Kind}').");
                break;
        }

        switch (storage?.GrainState)
        {
            case "store":
                break;
            case "orleans-azure":
                if (storage.Kind != "azure" || string.IsNullOrWhiteSpace(storage.ConnectionString))
                {
                    failures.Add("Runnel:Storage:GrainState (--grain-state) 'orleans-azure' needs Runnel:Storage:Kind 'azure' (--storage) with Runnel:Storage:ConnectionString (--connection-string): Orleans' provider is given the same account.");
                }

                break;
            default:
                failures.Add($"Runnel:Storage:GrainState (--grain-state) must be 'store' or 'orleans-azure' (was '{storage?.GrainState}').");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Exactly one way to reach the account: a connection string, or an https blob endpoint (Entra ID).</summary>
    private static void ValidateAzure(StorageOptions storage, List<string> failures)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(storage.ConnectionString);
        var hasEndpoint = !string.IsNullOrWhiteSpace(storage.BlobEndpoint);
        if (hasConnectionString == hasEndpoint)
        {
            failures.Add(hasConnectionString
                ? "Runnel:Storage:ConnectionString (--connection-string) and Runnel:Storage:BlobEndpoint (--blob-endpoint) are exclusive: give one when Runnel:Storage:Kind is 'azure'."
                : "Runnel:Storage:ConnectionString (--connection-string, or Runnel__Storage__ConnectionString) or Runnel:Storage:BlobEndpoint (--blob-endpoint) is required when Runnel:Storage:Kind is 'azure'.");
        }

        if (hasEndpoint && (!Uri.TryCreate(storage.BlobEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Runnel:Storage:BlobEndpoint (--blob-endpoint) must be an absolute https URL such as https://account.blob.core.windows.net (was '{storage.BlobEndpoint}').");
        }

        if (!string.IsNullOrWhiteSpace(storage.ManagedIdentityClientId))
        {
            if (!hasEndpoint)
            {
                failures.Add("Runnel:Storage:ManagedIdentityClientId (--managed-identity-client-id) applies only with Runnel:Storage:BlobEndpoint (--blob-endpoint).");
            }

            if (!Guid.TryParse(storage.ManagedIdentityClientId, out _))
            {
                failures.Add($"Runnel:Storage:ManagedIdentityClientId (--managed-identity-client-id) must be the identity's client id, a GUID (was '{storage.ManagedIdentityClientId}').");
            }
        }
    }
}
