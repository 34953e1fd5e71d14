using Runnel.Storage;
using Runnel.Testing;
using Xunit.Abstractions;

namespace Runnel.Runtime.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class FileStoreClusterTests(ITestOutputHelper output) : ClusterTests(output)
{
    private readonly TempDirectory _directory = new("cluster");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    protected override void DisposeStore() => _directory.Dispose();
}
