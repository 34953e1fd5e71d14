using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The test classes that share one Azurite process (started once, stopped after the last of them).
/// Each test gets its own container, so tests stay independent.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
