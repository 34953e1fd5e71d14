using System.Text;
using FluentAssertions;
using Orleans.TestingHost;
using Runnel.Persistence.Hosting;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;
using Xunit;

namespace Runnel.Persistence.Tests.Cluster;

/// <summary>The hosting switch to Orleans' own Azure blob provider (<see cref="RunnelGrainStorageBackend.AzureBlob"/>),
/// on Azurite with a connection string: a grain's state survives its deactivation and lands in the named container.</summary>
public sealed class AzureBlobBackendTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly TempDirectory _directory = new("azure-backend");
    private readonly string _container = AzuriteStores.NewContainerName();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // Membership on a file store; grain state in Azurite through Orleans' provider.
        _cluster = RunnelTestCluster.Build(1, new FileObjectStore(_directory.Path), configureSilo: silo => silo.AddRunnelGrainStorage("azure", o =>
        {
            o.Backend = RunnelGrainStorageBackend.AzureBlob;
            o.AzureBlobConnectionString = azurite.ConnectionString;
            o.AzureBlobContainerName = _container;
        }));
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task AzureBlobBackend_StateSurvivesDeactivation_AndLivesInTheContainer()
    {
        var grain = _cluster.Client.GetGrain<IStateTestGrain>("orders/0", grainClassNamePrefix: typeof(AzureStateTestGrain).FullName);
        await grain.AddAsync("a");
        await grain.AddAsync("b");
        var before = await grain.GetAsync();

        await grain.DeactivateAsync();
        var after = await grain.GetAsync();

        after.Activation.Should().NotBe(before.Activation, "DeactivateOnIdle ended the first activation");
        after.RecordExists.Should().BeTrue();
        after.Items.Should().Equal("a", "b");
        after.ETag.Should().Be(before.ETag);
        var container = AzuriteStores.Create(azurite, _container);
        var blobs = new List<BlobItem>();
        await foreach (var item in container.ListAllAsync(""))
        {
            blobs.Add(item);
        }

        blobs.Should().ContainSingle();
        var content = await container.GetAsync(blobs[0].Name);
        Encoding.UTF8.GetString(content.Content.Span).Should().Contain("\"a\"").And.Contain("\"b\"");
        content.Properties.ETag.Value.Trim('"').Should().Be(before.ETag!.Trim('"'));
    }
}
