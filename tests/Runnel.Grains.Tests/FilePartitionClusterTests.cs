using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The partition cluster tests on the file store.</summary>
public sealed class FilePartitionClusterTests : PartitionClusterTests, IDisposable
{
    private readonly TempDirectory _directory = new("partition-cluster");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();
}
