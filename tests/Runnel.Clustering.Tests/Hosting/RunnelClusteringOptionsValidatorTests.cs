using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Runnel.Clustering.Hosting;
using Xunit;

namespace Runnel.Clustering.Tests.Hosting;

public sealed class RunnelClusteringOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(Action<RunnelClusteringOptions> change)
    {
        var options = new RunnelClusteringOptions();
        change(options);
        return new RunnelClusteringOptionsValidator().Validate(null, options);
    }

    [Fact]
    public void Validate_Defaults_Succeed() => Validate(_ => { }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("/clusters")]
    [InlineData("clusters/")]
    [InlineData("a//b")]
    public void Validate_BadBlobPrefix_FailsNamingTheField(string prefix) =>
        Validate(o => o.BlobPrefix = prefix).FailureMessage.Should().Contain("RunnelClusteringOptions.BlobPrefix");

    [Fact]
    public void Validate_NoRetries_FailsNamingTheField() =>
        Validate(o => o.MaxConflictRetries = 0).FailureMessage.Should().Contain("RunnelClusteringOptions.MaxConflictRetries");

    [Fact]
    public void Validate_AzureTableWithoutConnectionStringOrWithABadName_FailsNamingBothFields()
    {
        var result = Validate(o =>
        {
            o.Backend = RunnelClusteringBackend.AzureTable;
            o.AzureTableName = "1-bad";
        });

        result.FailureMessage.Should().Contain("RunnelClusteringOptions.AzureTableConnectionString").And.Contain("RunnelClusteringOptions.AzureTableName");
    }

    [Fact]
    public void UseRunnelClustering_InvalidOptions_ThrowsAtRegistrationNamingTheField()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        FluentActions.Invoking(() => builder.UseOrleans(silo => silo.UseRunnelClustering(o => o.MaxConflictRetries = -1)))
            .Should().Throw<OptionsValidationException>().WithMessage("*RunnelClusteringOptions.MaxConflictRetries*");
    }

    [Fact]
    public void UseRunnelClustering_AppliesFastFailover_AndALaterConfigureStillWins()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            silo.UseRunnelClustering();
            silo.Configure<ClusterMembershipOptions>(o => o.NumMissedProbesLimit = 5);
        });
        using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

        options.ProbeTimeout.Should().Be(TimeSpan.FromSeconds(1));
        options.MinProbeTimeout.Should().Be(TimeSpan.FromMilliseconds(500));
        options.MaxProbeTimeout.Should().Be(TimeSpan.FromSeconds(2));
        options.TableRefreshTimeout.Should().Be(TimeSpan.FromSeconds(2));
        options.NumVotesForDeathDeclaration.Should().Be(2);
        options.NumMissedProbesLimit.Should().Be(5);
        options.EnableConnectionLivenessCheck.Should().BeFalse("a hung silo's last messages must not hold off its death for 4 s");
    }
}
