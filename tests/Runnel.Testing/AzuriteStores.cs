using Runnel.Storage.AzureBlob;

namespace Runnel.Testing;

/// <summary>Stores over a fresh container of the shared Azurite.</summary>
public static class AzuriteStores
{
    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N");

    public static AzureBlobObjectStoreOptions Options(AzuriteFixture azurite, string? container = null) => new()
    {
        ConnectionString = azurite.ConnectionString,
        ContainerName = container ?? NewContainerName(),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    public static AzureBlobObjectStore Create(AzuriteFixture azurite) => new(Options(azurite));

    /// <summary>A store over an existing (or named) container, e.g. to inspect what another process wrote.</summary>
    public static AzureBlobObjectStore Create(AzuriteFixture azurite, string container) => new(Options(azurite, container));
}
