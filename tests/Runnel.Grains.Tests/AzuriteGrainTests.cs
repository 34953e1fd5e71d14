using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The grains on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteGrainTests(AzuriteFixture azurite, GrainTestsCluster shared) : GrainTests(shared), IClassFixture<GrainTestsCluster>
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
