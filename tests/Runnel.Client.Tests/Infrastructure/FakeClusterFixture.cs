namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// One <see cref="FakeCluster"/> for a test class (an xunit class fixture: a silo and its connection take about a
/// second to start, which per test doubled the project's run time). The tests of a class run one at a time; each takes
/// the cluster with <see cref="ForTest"/>, which empties the broker, so every test starts with no topics, logs, groups,
/// faults or holds.
/// </summary>
public class FakeClusterFixture : IAsyncLifetime
{
    private FakeCluster? _cluster;

    /// <summary>Host the real group grains (see <see cref="FakeCluster.StartAsync"/>).</summary>
    protected virtual bool RealGroups => false;

    /// <summary>The class's cluster with an empty broker. Real group grains keep their groups: tests use fresh group ids.</summary>
    public FakeCluster ForTest()
    {
        var cluster = _cluster ?? throw new InvalidOperationException("The fixture has not started its cluster.");
        cluster.Broker.Reset();
        return cluster;
    }

    public async Task InitializeAsync() => _cluster = await FakeCluster.StartAsync(RealGroups);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
