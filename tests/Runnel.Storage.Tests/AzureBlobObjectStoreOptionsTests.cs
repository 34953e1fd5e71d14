using Azure.Core;
using Azure.Identity;
using FluentAssertions;
using Runnel.Storage.AzureBlob;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The Azure store's options: validation names the field, and the store is built with the client the
/// options ask for (SharedKey from a connection string, or a token credential against an https endpoint). No
/// request is made here: a token credential is never asked for a token (DefaultAzureCredential would reach for
/// the network).</summary>
public sealed class AzureBlobObjectStoreOptionsTests
{
    private static readonly Uri Endpoint = new("https://acct.blob.core.windows.net");

    [Fact]
    public void Validate_ConnectionStringAndContainer_Passes()
    {
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "UseDevelopmentStorage=true", ContainerName = "runnel-data" };

        options.Validate();
    }

    [Fact]
    public void Validate_HttpsServiceUriWithCredential_Passes()
    {
        var options = new AzureBlobObjectStoreOptions { ServiceUri = Endpoint, Credential = new FakeTokenCredential("t"), ContainerName = "abc" };

        options.Validate();
    }

    [Fact]
    public void Validate_HttpsServiceUriAloneOrWithManagedIdentity_Passes()
    {
        new AzureBlobObjectStoreOptions { ServiceUri = Endpoint, ContainerName = "abc" }.Validate();
        new AzureBlobObjectStoreOptions { ServiceUri = Endpoint, ManagedIdentityClientId = Guid.NewGuid().ToString(), ContainerName = "abc" }.Validate();
    }

    public static TheoryData<string, Action<AzureBlobObjectStoreOptions>> InvalidOptions() => new()
    {
        { "ServiceUri is required", o => o.ConnectionString = null },
        { "ConnectionString give either", o => o.Credential = new FakeTokenCredential("t") },
        { "ConnectionString give either", o => o.ServiceUri = Endpoint },
        { "ConnectionString give either", o => o.ManagedIdentityClientId = Guid.NewGuid().ToString() },
        { "ServiceUri must be an absolute https URI", o => { o.ConnectionString = null; o.ServiceUri = new Uri("http://127.0.0.1:1/a"); o.Credential = new FakeTokenCredential("t"); } },
        { "ManagedIdentityClientId applies to the default credential only", o => { o.ConnectionString = null; o.ServiceUri = Endpoint; o.Credential = new FakeTokenCredential("t"); o.ManagedIdentityClientId = Guid.NewGuid().ToString(); } },
        { "ManagedIdentityClientId must be the identity's client id, a GUID, not 'runnel-identity'", o => { o.ConnectionString = null; o.ServiceUri = Endpoint; o.ManagedIdentityClientId = "runnel-identity"; } },
        { "ContainerName is required", o => o.ContainerName = "" },
        { "ContainerName 'Upper'", o => o.ContainerName = "Upper" },
        { "ContainerName 'ab'", o => o.ContainerName = "ab" },
        { "ContainerName 'a--b'", o => o.ContainerName = "a--b" },
        { "ContainerName '-ab'", o => o.ContainerName = "-ab" },
        { "MaxRetries must be 0–10", o => o.MaxRetries = 11 },
        { "RetryDelay must be positive", o => o.RetryDelay = TimeSpan.Zero },
        { "MaxRetryDelay must be at least RetryDelay", o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(1) },
        { "RequestTimeout must be positive", o => o.RequestTimeout = TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_Invalid_ThrowsNamingTheField(string expected, Action<AzureBlobObjectStoreOptions> breakIt)
    {
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "UseDevelopmentStorage=true", ContainerName = "good-name" };
        breakIt(options);

        var act = options.Validate;

        act.Should().Throw<RunnelException>()
            .Where(e => e.Code == RunnelErrorCode.InvalidArgument)
            .WithMessage($"AzureBlobObjectStoreOptions.{expected}*");
    }

    [Fact]
    public void Constructor_ConnectionStringTheSdkCannotParse_ThrowsNamingTheFieldWithoutTheKey()
    {
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "AccountName=a;Secret=hunter2", ContainerName = "abc" };

        var act = () => new AzureBlobObjectStore(options);

        act.Should().Throw<RunnelException>()
            .Where(e => e.Code == RunnelErrorCode.InvalidArgument)
            .WithMessage("AzureBlobObjectStoreOptions.ConnectionString is not a valid storage connection string*")
            .Which.Message.Should().NotContain("hunter2");
    }

    [Fact]
    public void Constructor_ConnectionString_SharedKeyClientOnTheConnectionStringsEndpoint()
    {
        var options = new AzureBlobObjectStoreOptions
        {
            ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
            ContainerName = "runnel",
        };

        var store = new AzureBlobObjectStore(options);

        store.Credential.Should().BeNull("a connection string authenticates with the account key");
        store.ContainerUri.Should().Be(new Uri("http://127.0.0.1:10000/devstoreaccount1/runnel"));
    }

    [Fact]
    public void Constructor_EndpointWithCredential_UsesThatCredentialOnTheEndpoint()
    {
        var credential = new FakeTokenCredential("t");

        var store = new AzureBlobObjectStore(new AzureBlobObjectStoreOptions { ServiceUri = Endpoint, Credential = credential, ContainerName = "runnel" });

        store.Credential.Should().BeSameAs(credential);
        store.ContainerUri.Should().Be(new Uri("https://acct.blob.core.windows.net/runnel"));
        credential.Scopes.Should().BeEmpty("building the store asks for no token");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    public void Constructor_EndpointWithoutCredential_UsesDefaultAzureCredential(string? managedIdentityClientId)
    {
        var options = new AzureBlobObjectStoreOptions { ServiceUri = Endpoint, ManagedIdentityClientId = managedIdentityClientId, ContainerName = "runnel" };

        var store = new AzureBlobObjectStore(options);

        store.Credential.Should().BeOfType<DefaultAzureCredential>();
        store.ContainerUri.Should().Be(new Uri("https://acct.blob.core.windows.net/runnel"));
    }

    /// <summary>A credential that hands out a fixed token and records the scopes asked for.</summary>
    internal sealed class FakeTokenCredential(string token) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
