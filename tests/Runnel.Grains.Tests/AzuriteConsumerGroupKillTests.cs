using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The group kill test on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteClusterCollection.Name)]
public sealed class AzuriteConsumerGroupKillTests(AzuriteFixture azurite) : ConsumerGroupKillTests
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
