using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.EndToEnd.Tests;

/// <summary>End to end on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteEndToEndTests(AzuriteFixture azurite) : EndToEndTests
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(AzuriteStores.Create(azurite));
}
