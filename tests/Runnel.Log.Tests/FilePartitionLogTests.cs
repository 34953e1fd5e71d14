using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>The partition log on the file store (the embedded default).</summary>
public sealed class FilePartitionLogTests : PartitionLogTests, IDisposable
{
    private readonly TempDirectory _directory = new("log");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new FileObjectStore(_directory.Path));

    public void Dispose() => _directory.Dispose();
}
