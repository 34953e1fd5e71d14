using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.EndToEnd.Tests;

/// <summary>End to end on the file store (the embedded default).</summary>
public sealed class FileEndToEndTests : EndToEndTests, IDisposable
{
    private readonly TempDirectory _directory = new("e2e");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new FileObjectStore(_directory.Path));

    public void Dispose() => _directory.Dispose();
}
