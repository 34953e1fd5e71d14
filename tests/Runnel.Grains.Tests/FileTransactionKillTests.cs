using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The transaction kill tests on the file store.</summary>
public sealed class FileTransactionKillTests : TransactionKillTests, IDisposable
{
    private readonly TempDirectory _directory = new("txn-kill");

    protected override IObjectStore CreateStore() => new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();
}
