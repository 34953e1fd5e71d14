using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The partition cluster tests on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteClusterCollection.Name)]
public sealed class AzuritePartitionClusterTests(AzuriteFixture azurite) : PartitionClusterTests
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
