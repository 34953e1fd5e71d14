using Runnel.Testing;

namespace Runnel.Silo.Tests;

/// <summary>The silo tests that share one Azurite process; each test gets its own container.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
