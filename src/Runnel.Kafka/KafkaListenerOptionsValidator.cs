using System.Net;
using Microsoft.Extensions.Options;

namespace Runnel.Kafka;

/// <summary>Validates <see cref="KafkaListenerOptions"/>; each failure names the configuration key and its switch.</summary>
public sealed class KafkaListenerOptionsValidator : IValidateOptions<KafkaListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Runnel:Kafka:Port (--kafka-port) must be between 0 (off) and 65535 (was {options.Port}).");
        }

        if (options.Port == 0)
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (!IPAddress.TryParse(options.ListenAddress, out var address))
        {
            failures.Add($"Runnel:Kafka:ListenAddress must be an IP address (was '{options.ListenAddress}').");
        }

        if (options.AdvertisedHost is { } host)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                failures.Add($"Runnel:Kafka:AdvertisedHost (--kafka-advertised-host) must be a host name or IP address (was '{host}').");
            }
        }
        else if (address is not null && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            failures.Add($"Runnel:Kafka:AdvertisedHost (--kafka-advertised-host) is required when the listen address is a wildcard ('{options.ListenAddress}'): clients cannot connect to it.");
        }

        if (options.AdvertisedPort is < 1 or > 65535)
        {
            failures.Add($"Runnel:Kafka:AdvertisedPort must be between 1 and 65535 (was {options.AdvertisedPort}).");
        }

        if (options.NodeId is < 0)
        {
            failures.Add($"Runnel:Kafka:NodeId must not be negative (was {options.NodeId}).");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add("Runnel:Kafka:ClusterId must not be empty.");
        }

        if (options.MaxRequestBytes < 1024)
        {
            failures.Add($"Runnel:Kafka:MaxRequestBytes must be at least 1024 (was {options.MaxRequestBytes}).");
        }

        if (options.MaxInFlightRequestsPerConnection is < 1 or > 1024)
        {
            failures.Add($"Runnel:Kafka:MaxInFlightRequestsPerConnection must be between 1 and 1024 (was {options.MaxInFlightRequestsPerConnection}).");
        }

        if (options.MaxConnections < 1)
        {
            failures.Add($"Runnel:Kafka:MaxConnections must be at least 1 (was {options.MaxConnections}).");
        }

        if (options.FetchReadAheadBytes is < 0 or > 1L << 32)
        {
            failures.Add($"Runnel:Kafka:FetchReadAheadBytes must be between 0 (off) and 4 GiB (was {options.FetchReadAheadBytes}).");
        }

        if (options.MaxFetchWait < TimeSpan.Zero || options.MaxFetchWait > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Runnel:Kafka:MaxFetchWait must be between 0 and 5 minutes (the partition's own limit; was {options.MaxFetchWait}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
