using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The group kill test on the file store.</summary>
public sealed class FileConsumerGroupKillTests : ConsumerGroupKillTests, IDisposable
{
    private readonly TempDirectory _directory = new("group-kill");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();
}
