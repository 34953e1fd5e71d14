using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The grains on the file store (the embedded default).</summary>
public sealed class FileGrainTests(GrainTestsCluster shared) : GrainTests(shared), IClassFixture<GrainTestsCluster>
{
    private readonly TempDirectory _directory = new("grains");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
