using Runnel.Testing;

namespace Runnel.EndToEnd.Tests;

/// <summary>The end-to-end classes that share one Azurite process; each test gets its own container.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
