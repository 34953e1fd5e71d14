using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The consumer group grain on the file store.</summary>
public sealed class FileConsumerGroupTests(GroupTestsCluster shared) : ConsumerGroupTests(shared), IClassFixture<GroupTestsCluster>
{
    private readonly TempDirectory _directory = new("groups");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
