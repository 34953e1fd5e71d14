using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;

namespace Runnel.Grains.Tests;

/// <summary>
/// The product grains through a real silo and <see cref="Runtime.Client.RunnelClient"/>, run against every store
/// (subclasses name it: <c>File</c>, <c>Azurite</c>). Each test gets a fresh store and its own silo.
/// </summary>
public abstract partial class GrainTests : IAsyncLifetime
{
    /// <summary>A store with a fresh, empty namespace for this test.</summary>
    protected abstract IObjectStore CreateStore();

    protected CountingObjectStore Store { get; private set; } = null!;

    protected GrainsSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = new CountingObjectStore(CreateStore());
        Silo = await GrainsSilo.StartAsync(Store);
    }

    public virtual async Task DisposeAsync() => await Silo.DisposeAsync();

    /// <summary>Stops the silo gracefully (every grain deactivates, partitions are released) and starts a new one on
    /// the same store: every grain's next call reaches a fresh activation.</summary>
    protected async Task RestartSiloAsync()
    {
        await Silo.StopAsync();
        Silo = await GrainsSilo.StartAsync(Store);
    }

    protected static async Task<RunnelException> FailsWith(RunnelErrorCode code, Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RunnelException>();
        thrown.Which.Code.Should().Be(code, "the error was: {0}", thrown.Which.Message);
        return thrown.Which;
    }

    protected async Task<TopicDescription> CreateTopicAsync(string name, int partitions = 1, Dictionary<string, string>? config = null) =>
        await Silo.Topic(name).CreateAsync(partitions, config);
}
