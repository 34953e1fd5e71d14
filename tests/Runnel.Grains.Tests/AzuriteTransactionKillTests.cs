using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The transaction kill tests on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteClusterCollection.Name)]
public sealed class AzuriteTransactionKillTests(AzuriteFixture azurite) : TransactionKillTests
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
