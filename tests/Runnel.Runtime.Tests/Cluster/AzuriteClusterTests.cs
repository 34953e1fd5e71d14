using Runnel.Storage;
using Runnel.Testing;
using Xunit.Abstractions;

namespace Runnel.Runtime.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class AzuriteClusterTests(AzuriteFixture azurite, ITestOutputHelper output) : ClusterTests(output)
{
    private readonly string _container = AzuriteStores.NewContainerName();

    protected override IObjectStore CreateStore() => new Runnel.Storage.AzureBlob.AzureBlobObjectStore(AzuriteStores.Options(azurite, _container));
}
