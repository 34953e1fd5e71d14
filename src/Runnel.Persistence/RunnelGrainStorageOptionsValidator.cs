using Microsoft.Extensions.Options;

namespace Runnel.Persistence;

/// <summary>Checks <see cref="RunnelGrainStorageOptions"/>; every message names the field it is about (and the storage).</summary>
public sealed class RunnelGrainStorageOptionsValidator : IValidateOptions<RunnelGrainStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnelGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var prefix = $"{nameof(RunnelGrainStorageOptions)}.";
        var storage = string.IsNullOrEmpty(name) ? "" : $" (grain storage '{name}')";

        if (!Enum.IsDefined(options.Backend))
        {
            failures.Add($"{prefix}{nameof(options.Backend)} ({options.Backend}) is not a known backend{storage}.");
        }

        if (options.Backend == RunnelGrainStorageBackend.ObjectStore)
        {
            if (string.IsNullOrWhiteSpace(options.BlobPrefix))
            {
                failures.Add($"{prefix}{nameof(options.BlobPrefix)} must not be empty{storage}.");
            }
            else if (options.BlobPrefix.Length > RunnelGrainStorageOptions.MaxBlobPrefixLength)
            {
                failures.Add($"{prefix}{nameof(options.BlobPrefix)} is {options.BlobPrefix.Length} characters long; the limit is {RunnelGrainStorageOptions.MaxBlobPrefixLength}{storage}.");
            }
            else if (!IsValidPrefix(options.BlobPrefix))
            {
                failures.Add($"{prefix}{nameof(options.BlobPrefix)} ('{options.BlobPrefix}') must not start or end with '/', have an empty, '.' or '..' segment, or contain '\\' or control characters{storage}.");
            }
        }
        else if (options.Backend == RunnelGrainStorageBackend.AzureBlob)
        {
            if (string.IsNullOrWhiteSpace(options.AzureBlobConnectionString))
            {
                failures.Add($"{prefix}{nameof(options.AzureBlobConnectionString)} is required when {nameof(options.Backend)} is {RunnelGrainStorageBackend.AzureBlob}{storage}.");
            }

            if (!IsValidContainerName(options.AzureBlobContainerName))
            {
                failures.Add($"{prefix}{nameof(options.AzureBlobContainerName)} ('{options.AzureBlobContainerName}') must be 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit{storage}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsValidPrefix(string prefix)
    {
        if (prefix.EndsWith('/'))
        {
            return false;
        }

        try
        {
            Runnel.Storage.BlobNames.Validate(prefix);
            return true;
        }
        catch (RunnelException ex) when (ex.Code == RunnelErrorCode.InvalidArgument)
        {
            return false;
        }
    }

    /// <summary>Azure's rule for container names: <c>^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$</c>.</summary>
    private static bool IsValidContainerName(string? name) =>
        name is { Length: >= 3 and <= 63 }
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-'
        && !name.Contains("--", StringComparison.Ordinal);
}
