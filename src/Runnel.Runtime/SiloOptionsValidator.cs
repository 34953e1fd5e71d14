using System.Net;
using Microsoft.Extensions.Options;

namespace Runnel.Runtime;

/// <summary>Validates <see cref="SiloOptions"/> when the host starts; each failure names the field and its value.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    /// <summary>Frames smaller than 64 KiB could not carry a useful record batch.</summary>
    private const int MinFrameBytes = 64 * 1024;

    /// <summary>1 GiB: a frame is held in one array.</summary>
    private const int MaxFrameBytesLimit = 1024 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add("SiloOptions.ClusterId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.SiloName))
        {
            failures.Add("SiloOptions.SiloName must not be empty.");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"SiloOptions.ListenAddress must be an IP address (was '{options.ListenAddress}').");
        }

        if (options.AdvertisedAddress is { } advertised)
        {
            if (!IPAddress.TryParse(advertised, out var address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                failures.Add($"SiloOptions.AdvertisedAddress must be a specific IP address (was '{advertised}').");
            }
        }
        else if (IPAddress.TryParse(options.ListenAddress, out var listen) && (listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any)))
        {
            failures.Add($"SiloOptions.AdvertisedAddress must be set when SiloOptions.ListenAddress is a wildcard ('{options.ListenAddress}'): peers need an address to reach this silo at.");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("SiloOptions.DataDirectory must not be empty.");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"SiloOptions.Port must be between 0 and 65535 (was {options.Port}).");
        }

        if (options.MaxFrameBytes is < MinFrameBytes or > MaxFrameBytesLimit)
        {
            failures.Add($"SiloOptions.MaxFrameBytes must be between {MinFrameBytes} and {MaxFrameBytesLimit} (was {options.MaxFrameBytes}).");
        }

        if (options.MailboxCapacity < 1)
        {
            failures.Add($"SiloOptions.MailboxCapacity must be at least 1 (was {options.MailboxCapacity}).");
        }

        if (options.SendQueueCapacity < 1)
        {
            failures.Add($"SiloOptions.SendQueueCapacity must be at least 1 (was {options.SendQueueCapacity}).");
        }

        Positive(failures, nameof(options.HandshakeTimeout), options.HandshakeTimeout);
        Positive(failures, nameof(options.CollectionAge), options.CollectionAge);
        Positive(failures, nameof(options.CollectionQuantum), options.CollectionQuantum);
        Positive(failures, nameof(options.DeactivationTimeout), options.DeactivationTimeout);
        Positive(failures, nameof(options.ShutdownTimeout), options.ShutdownTimeout);
        Positive(failures, nameof(options.ResponseTimeout), options.ResponseTimeout);
        if (options.CollectionQuantum > options.CollectionAge)
        {
            failures.Add($"SiloOptions.CollectionQuantum ({options.CollectionQuantum}) must not exceed SiloOptions.CollectionAge ({options.CollectionAge}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string field, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"SiloOptions.{field} must be positive (was {value}).");
        }
    }
}
