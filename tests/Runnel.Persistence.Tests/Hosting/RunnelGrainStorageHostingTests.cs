using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Storage;
using Runnel.Persistence.Hosting;
using Runnel.Persistence.Tests.Contract;
using Runnel.Storage;
using Runnel.Testing;
using Xunit;

namespace Runnel.Persistence.Tests.Hosting;

public sealed class RunnelGrainStorageHostingTests : IDisposable
{
    private readonly TempDirectory _directory = new("grain-hosting");

    private static ValidateOptionsResult Validate(Action<RunnelGrainStorageOptions> change)
    {
        var options = new RunnelGrainStorageOptions();
        change(options);
        return new RunnelGrainStorageOptionsValidator().Validate("runnel", options);
    }

    [Fact]
    public void Validate_Defaults_Succeed() => Validate(_ => { }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("/grains")]
    [InlineData("grains/")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("a\\b")]
    public void Validate_BadBlobPrefix_FailsNamingTheFieldAndTheStorage(string prefix) =>
        Validate(o => o.BlobPrefix = prefix).FailureMessage.Should().Contain("RunnelGrainStorageOptions.BlobPrefix").And.Contain("'runnel'");

    [Fact]
    public void Validate_TooLongBlobPrefix_FailsNamingTheField() =>
        Validate(o => o.BlobPrefix = new string('g', RunnelGrainStorageOptions.MaxBlobPrefixLength + 1)).FailureMessage
            .Should().Contain("RunnelGrainStorageOptions.BlobPrefix");

    [Fact]
    public void Validate_AzureBlobWithoutConnectionStringOrWithABadContainer_FailsNamingBothFields()
    {
        var result = Validate(o =>
        {
            o.Backend = RunnelGrainStorageBackend.AzureBlob;
            o.AzureBlobContainerName = "Bad--Name";
        });

        result.FailureMessage.Should().Contain("RunnelGrainStorageOptions.AzureBlobConnectionString").And.Contain("RunnelGrainStorageOptions.AzureBlobContainerName");
    }

    [Fact]
    public void AddRunnelGrainStorage_InvalidOptions_ThrowsAtRegistrationNamingTheField()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        FluentActions.Invoking(() => builder.UseOrleans(silo => silo.AddRunnelGrainStorage("runnel", o => o.BlobPrefix = "/x")))
            .Should().Throw<OptionsValidationException>().WithMessage("*RunnelGrainStorageOptions.BlobPrefix*");
    }

    [Fact]
    public async Task AddRunnelGrainStorageAsDefault_TakesTheStoreFromTheServices_AndServesGrainsThatNameNoStorage()
    {
        var store = new FileObjectStore(_directory.Path);
        using var storages = new GrainStorages(silo =>
        {
            silo.Services.AddSingleton<IObjectStore>(store);
            silo.AddRunnelGrainStorageAsDefault(o => o.BlobPrefix = "state");
        });
        var storage = storages.Services.GetRequiredService<IGrainStorage>();
        var grain = Orleans.Runtime.GrainId.Create("counter", "default");

        await storage.WriteStateAsync("s", grain, new GrainState<CounterState>(new CounterState { Items = ["x"] }));

        storage.Should().BeOfType<ObjectStoreGrainStorage>();
        storages.Get(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME).Should().BeSameAs(storage);
        var blob = await store.GetAsync("state/Default/counter/default/s");
        System.Text.Encoding.UTF8.GetString(blob.Content.Span).Should().Contain("\"x\"");
    }

    [Fact]
    public void AddRunnelGrainStorage_AzureBlobBackend_RegistersOrleansAzureBlobProvider()
    {
        using var storages = new GrainStorages(silo => silo.AddRunnelGrainStorage("azure", o =>
        {
            o.Backend = RunnelGrainStorageBackend.AzureBlob;
            o.AzureBlobConnectionString = "UseDevelopmentStorage=true";
            o.AzureBlobContainerName = "state";
        }));

        storages.Get("azure").Should().BeOfType<AzureBlobGrainStorage>();
        storages.Services.GetRequiredService<IOptionsMonitor<Orleans.Configuration.AzureBlobStorageOptions>>().Get("azure").ContainerName.Should().Be("state");
    }

    public void Dispose() => _directory.Dispose();
}
