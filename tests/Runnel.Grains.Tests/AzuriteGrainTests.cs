using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The grains on Azure Blob Storage (Azurite), a fresh container per test.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteGrainTests(AzuriteFixture azurite) : GrainTests
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}
