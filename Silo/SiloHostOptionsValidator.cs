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
                if (string.IsNullOrWhiteSpace(storage.ConnectionString))
                {
                    failures.Add("Runnel:Storage:ConnectionString (--connection-string, or Runnel__Storage__ConnectionString) is required when Runnel:Storage:Kind is 'azure'.");
                }

                if (string.IsNullOrWhiteSpace(storage.ContainerName))
                {
                    failures.Add("Runnel:Storage:ContainerName (--container) must not be empty when Runnel:Storage:Kind is 'azure'.");
                }

                break;
            default:
                failures.Add($"Runnel:Storage:Kind (--storage) must be 'file' or 'azure' (was '{storage?.Kind}').");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
