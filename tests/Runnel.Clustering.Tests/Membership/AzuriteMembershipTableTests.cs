using Runnel.Storage;
using Runnel.Testing;
using Xunit;

namespace Runnel.Clustering.Tests.Membership;

/// <summary>The membership-table contract on Azure Blob Storage's emulator (Azurite, started by the fixture).</summary>
public sealed class AzuriteMembershipTableTests(AzuriteFixture azurite) : MembershipTableContract, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore Store { get; } = AzuriteStores.Create(azurite);
}
