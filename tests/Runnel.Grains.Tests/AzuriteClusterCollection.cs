using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>The multi-silo test classes on Azurite: a second Azurite process, so that these tests (which mostly wait
/// for failure detection and timeouts) run beside <see cref="AzuriteCollection"/>'s instead of after them.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteClusterCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite clusters";
}
