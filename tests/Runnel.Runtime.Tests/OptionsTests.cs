using Runnel.Runtime.Client;

namespace Runnel.Runtime.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void SiloOptions_Defaults_AreValid() =>
        new SiloOptionsValidator().Validate(null, new SiloOptions()).Succeeded.Should().BeTrue();

    [Fact]
    public void SiloOptions_BadFields_EachFailureNamesItsField()
    {
        var options = new SiloOptions { Port = 70000, ClusterId = "", MailboxCapacity = 0, CollectionQuantum = TimeSpan.FromHours(1), ListenAddress = "localhost" };

        var result = new SiloOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().Contain(f => f.Contains("SiloOptions.Port") && f.Contains("70000"))
            .And.Contain(f => f.Contains("SiloOptions.ClusterId"))
            .And.Contain(f => f.Contains("SiloOptions.MailboxCapacity"))
            .And.Contain(f => f.Contains("SiloOptions.CollectionQuantum"))
            .And.Contain(f => f.Contains("SiloOptions.ListenAddress"));
    }

    [Fact]
    public async Task Silo_InvalidOptions_HostStartFailsNamingTheField()
    {
        var start = () => Infrastructure.SiloHarness.StartAsync(o => o.MaxFrameBytes = 10);

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain("SiloOptions.MaxFrameBytes");
    }

    [Theory]
    [InlineData("no-port", "Endpoint")]
    [InlineData("127.0.0.1:0", "Endpoint")]
    public void ClientOptions_BadEndpoint_MessageNamesTheField(string endpoint, string field)
    {
        var validate = () => (RunnelClientOptions.Default with { Endpoint = endpoint }).Validate();

        validate.Should().Throw<ArgumentException>().WithMessage($"*RunnelClientOptions.{field}*");
    }

    [Fact]
    public void ClientOptions_BackoffsInverted_MessageNamesTheField()
    {
        var validate = () => (RunnelClientOptions.Default with { ReconnectMinBackoff = TimeSpan.FromSeconds(10), ReconnectMaxBackoff = TimeSpan.FromSeconds(1) }).Validate();

        validate.Should().Throw<ArgumentException>().WithMessage("*RunnelClientOptions.ReconnectMaxBackoff*");
    }
}
