using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Client.Tests.Tables;

/// <summary>A test class's own <see cref="InProcessRunnel"/> on a file store in a temporary directory named by
/// <paramref name="directoryPrefix"/>: started before each test, stopped and deleted after it.</summary>
public abstract class FileStoreRunnelTests(string directoryPrefix) : IAsyncLifetime
{
    private readonly TempDirectory _data = new(directoryPrefix);
    private InProcessRunnel? _runnel;

    private protected InProcessRunnel Runnel => _runnel ?? throw new InvalidOperationException("The silo starts in InitializeAsync.");

    private protected RunnelConnection Connection => Runnel.Connection;

    /// <summary>The store's directory (for tests that open the store themselves).</summary>
    protected string DataPath => _data.Path;

    public async Task InitializeAsync() => _runnel = await InProcessRunnel.StartAsync(new FileObjectStore(_data.Path));

    public async Task DisposeAsync()
    {
        if (_runnel is not null)
        {
            await _runnel.DisposeAsync();
        }

        _data.Dispose();
    }
}
