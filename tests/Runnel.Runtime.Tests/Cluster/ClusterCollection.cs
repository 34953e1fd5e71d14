using Runnel.Testing;

namespace Runnel.Runtime.Tests.Cluster;

/// <summary>
/// The multi-silo test classes: one at a time (failure detection runs on real timers with small values, so they must
/// not compete with each other for this machine's two cores), sharing one Azurite.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Cluster";
}
