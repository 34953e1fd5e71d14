using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The <see cref="IObjectStore"/> contract against <see cref="AzureBlob.AzureBlobObjectStore"/> on Azurite,
/// a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteObjectStoreContractTests(AzuriteFixture azurite) : ObjectStoreContractTests
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(AzuriteStores.Create(azurite));
}
