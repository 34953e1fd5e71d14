using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Streaming.Tests;

/// <summary>The stream cluster tests on the file store.</summary>
public sealed class FileStoreStreamClusterTests : RunnelStreamClusterContract
{
    private readonly TempDirectory _directory = new("streams-cluster");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    protected override void DisposeStore() => _directory.Dispose();
}

/// <summary>The stream cluster tests on Azure Blob Storage (Azurite, started by the tests; a container per test).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteStreamClusterTests(AzuriteFixture azurite) : RunnelStreamClusterContract
{
    protected override IObjectStore CreateStore() => AzuriteStores.Create(azurite);
}

/// <summary>The tests that share one Azurite process.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
