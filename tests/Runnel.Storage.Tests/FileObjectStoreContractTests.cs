using Runnel.Testing;

namespace Runnel.Storage.Tests;

/// <summary>The object store contract, run against <see cref="FileObjectStore"/> in a fresh temporary directory per test.</summary>
public sealed class FileObjectStoreContractTests : ObjectStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("file-store");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new FileObjectStore(_directory.Path));

    public void Dispose() => _directory.Dispose();
}
