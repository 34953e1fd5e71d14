using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>The log test classes that share one Azurite process; each test gets its own container.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
