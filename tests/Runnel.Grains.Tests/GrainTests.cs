using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;

namespace Runnel.Grains.Tests;

/// <summary>
/// The product grains through an Orleans silo and client (<see cref="GrainsCluster"/>), run against every store
/// (subclasses name it: <c>File</c>, <c>Azurite</c>). Each test gets a fresh store and only fresh activations: the
/// class's tests take turns on one silo (<see cref="GrainTestsCluster"/>), and a test that needs other options gets a
/// silo of its own.
/// </summary>
public abstract partial class GrainTests(GrainTestsCluster shared) : IAsyncLifetime
{
    private bool _ownCluster;

    /// <summary>A store with a fresh, empty namespace for this test.</summary>
    protected abstract IObjectStore CreateStore();

    protected CountingObjectStore Store { get; private set; } = null!;

    protected GrainsCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = new CountingObjectStore(CreateStore());
        Cluster = await shared.AttachAsync(Store);
    }

    public virtual async Task DisposeAsync()
    {
        if (_ownCluster)
        {
            await Cluster.DisposeAsync();
        }

        await shared.DetachAsync();
    }

    /// <summary>Leaves the shared silo (its grains deactivate) for one of this test's own with other options.</summary>
    protected async Task UseOwnClusterAsync(Action<RunnelGrainsOptions> configure, TimeProvider? time = null)
    {
        await shared.DetachAsync();
        Cluster = await GrainsCluster.StartAsync(Store, configure, time);
        _ownCluster = true;
    }

    protected static async Task<RunnelException> FailsWith(RunnelErrorCode code, Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RunnelException>();
        thrown.Which.Code.Should().Be(code, "the error was: {0}", thrown.Which.Message);
        return thrown.Which;
    }

    protected async Task<TopicDescription> CreateTopicAsync(string name, int partitions = 1, Dictionary<string, string>? config = null) =>
        await Cluster.Topic(name).CreateAsync(partitions, config);
}

/// <summary>The silo a <see cref="GrainTests"/> class takes turns on: default options.</summary>
public sealed class GrainTestsCluster : SharedGrainsCluster;
