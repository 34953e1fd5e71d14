namespace Runnel.Client.Tests.Infrastructure;

/// <summary>A <see cref="FakeClusterFixture"/> whose cluster hosts the real group grains.</summary>
public sealed class RealGroupsClusterFixture : FakeClusterFixture
{
    protected override bool RealGroups => true;
}
