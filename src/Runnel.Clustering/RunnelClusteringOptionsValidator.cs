using Microsoft.Extensions.Options;

namespace Runnel.Clustering;

/// <summary>Checks <see cref="RunnelClusteringOptions"/>; every message names the field it is about.</summary>
public sealed class RunnelClusteringOptionsValidator : IValidateOptions<RunnelClusteringOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnelClusteringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string Prefix = nameof(RunnelClusteringOptions) + ".";

        if (!Enum.IsDefined(options.Backend))
        {
            failures.Add($"{Prefix}{nameof(options.Backend)} ({options.Backend}) is not a known backend.");
        }

        if (string.IsNullOrWhiteSpace(options.BlobPrefix))
        {
            failures.Add($"{Prefix}{nameof(options.BlobPrefix)} must not be empty.");
        }
        else if (options.BlobPrefix.StartsWith('/') || options.BlobPrefix.EndsWith('/') || options.BlobPrefix.Contains("//", StringComparison.Ordinal) || options.BlobPrefix.Contains('\\', StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}{nameof(options.BlobPrefix)} ('{options.BlobPrefix}') must not start or end with '/', contain '//' or contain '\\'.");
        }

        if (options.MaxConflictRetries < 1)
        {
            failures.Add($"{Prefix}{nameof(options.MaxConflictRetries)} ({options.MaxConflictRetries}) must be at least 1.");
        }

        if (options.MaxConflictRetryDelay < TimeSpan.Zero || options.MaxConflictRetryDelay > TimeSpan.FromSeconds(5))
        {
            failures.Add($"{Prefix}{nameof(options.MaxConflictRetryDelay)} ({options.MaxConflictRetryDelay}) must be between 0 and 5 s.");
        }

        if (options.Backend == RunnelClusteringBackend.AzureTable)
        {
            if (string.IsNullOrWhiteSpace(options.AzureTableConnectionString))
            {
                failures.Add($"{Prefix}{nameof(options.AzureTableConnectionString)} is required when {nameof(options.Backend)} is {RunnelClusteringBackend.AzureTable}.");
            }

            if (!IsValidTableName(options.AzureTableName))
            {
                failures.Add($"{Prefix}{nameof(options.AzureTableName)} ('{options.AzureTableName}') must be 3-63 letters and digits, starting with a letter.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Azure's rule for table names: <c>^[A-Za-z][A-Za-z0-9]{2,62}$</c>.</summary>
    private static bool IsValidTableName(string? name) =>
        name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}
