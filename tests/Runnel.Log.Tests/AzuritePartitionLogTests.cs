using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>The partition log on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuritePartitionLogTests(AzuriteFixture azurite) : PartitionLogTests
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(AzuriteStores.Create(azurite));
}
