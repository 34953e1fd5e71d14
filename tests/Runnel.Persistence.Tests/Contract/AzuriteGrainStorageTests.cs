using Runnel.Storage;
using Runnel.Testing;
using Xunit;

namespace Runnel.Persistence.Tests.Contract;

/// <summary>The grain-storage contract on Azure Blob Storage's emulator (Azurite, started by the fixture), through
/// Runnel's Azure store.</summary>
public sealed class AzuriteGrainStorageTests(AzuriteFixture azurite) : GrainStorageContract, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore Store { get; } = AzuriteStores.Create(azurite);
}
