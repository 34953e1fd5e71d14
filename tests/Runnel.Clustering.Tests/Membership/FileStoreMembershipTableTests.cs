using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Clustering.Tests.Membership;

/// <summary>The membership-table contract on the file store (the embedded default).</summary>
public sealed class FileStoreMembershipTableTests : MembershipTableContract, IDisposable
{
    private readonly TempDirectory _directory = new("membership");

    public FileStoreMembershipTableTests()
    {
        Store = new FileObjectStore(_directory.Path);
    }

    protected override IObjectStore Store { get; }

    public void Dispose() => _directory.Dispose();
}
