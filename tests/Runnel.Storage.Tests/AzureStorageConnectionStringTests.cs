using FluentAssertions;
using Runnel.Storage.Azure.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

public sealed class AzureStorageConnectionStringTests
{
    private const string Key = AzuriteFixture.AccountKey;

    [Fact]
    public void Parse_WithBlobEndpoint_UsesItAndDecodesKey()
    {
        var parsed = AzureStorageConnectionString.Parse($"DefaultEndpointsProtocol=http;AccountName=acct1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:4321/acct1/;");

        parsed.AccountName.Should().Be("acct1");
        parsed.AccountKey.Should().Equal(Convert.FromBase64String(Key));
        parsed.BlobEndpoint.Should().Be(new Uri("http://127.0.0.1:4321/acct1"));
    }

    [Fact]
    public void Parse_WithoutBlobEndpoint_BuildsHostFromProtocolAccountAndSuffix()
    {
        var parsed = AzureStorageConnectionString.Parse($"defaultendpointsprotocol=http; accountname=acct2 ;ACCOUNTKEY={Key};EndpointSuffix=core.example.net");

        parsed.BlobEndpoint.Should().Be(new Uri("http://acct2.blob.core.example.net"));
    }

    [Fact]
    public void Parse_OnlyAccountAndKey_DefaultsToHttpsAndPublicCloud()
    {
        var parsed = AzureStorageConnectionString.Parse($"AccountName=acct3;AccountKey={Key}");

        parsed.BlobEndpoint.Should().Be(new Uri("https://acct3.blob.core.windows.net"));
    }

    [Fact]
    public void Parse_UseDevelopmentStorage_GivesAzuritesWellKnownAccount()
    {
        var parsed = AzureStorageConnectionString.Parse("UseDevelopmentStorage=true");

        parsed.AccountName.Should().Be("devstoreaccount1");
        parsed.AccountKey.Should().Equal(Convert.FromBase64String(AzuriteFixture.AccountKey));
        parsed.BlobEndpoint.Should().Be(new Uri("http://127.0.0.1:10000/devstoreaccount1"));
    }

    [Theory]
    [InlineData("AccountName=a;", "AccountKey is missing")]
    [InlineData("AccountKey=" + Key, "AccountName is missing")]
    [InlineData("AccountName=a;AccountKey=not base64!", "AccountKey is not valid base64")]
    [InlineData("AccountName=a;AccountKey=" + Key + ";BlobEndpoint=ftp://x", "BlobEndpoint")]
    [InlineData("AccountName=a;AccountKey=" + Key + ";DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol")]
    [InlineData("AccountName=a;AccountName=b;AccountKey=" + Key, "AccountName is given twice")]
    [InlineData("AccountName=a;SharedAccessSignature=sv=1", "SharedAccessSignature is not supported")]
    [InlineData("garbage", "is not Key=Value")]
    [InlineData("  ", "empty")]
    public void Parse_Invalid_ThrowsInvalidArgumentNamingTheField(string connectionString, string expected)
    {
        var act = () => AzureStorageConnectionString.Parse(connectionString);

        var error = act.Should().Throw<RunnelException>().Which;
        error.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        error.Message.Should().Contain(expected).And.NotContain(Key);
    }
}
