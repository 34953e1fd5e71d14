using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The consumer group grain on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteConsumerGroupTests(AzuriteFixture azurite, GroupTestsCluster shared) : ConsumerGroupTests(shared), IClassFixture<GroupTestsCluster>
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
