using Azure.Core;
using FluentAssertions;
using Runnel.Storage.Azure;
using Xunit;

namespace Runnel.Storage.Tests;

public sealed class AzureBlobObjectStoreOptionsTests
{
    [Fact]
    public void Validate_ConnectionStringAndContainer_Passes()
    {
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "UseDevelopmentStorage=true", ContainerName = "runnel-data" };

        options.Validate();
    }

    [Fact]
    public void Validate_HttpsServiceUriWithCredential_Passes()
    {
        var options = new AzureBlobObjectStoreOptions { ServiceUri = new Uri("https://acct.blob.core.windows.net"), Credential = new FakeTokenCredential("t"), ContainerName = "abc" };

        options.Validate();
    }

    public static TheoryData<string, Action<AzureBlobObjectStoreOptions>> InvalidOptions() => new()
    {
        { "ServiceUri is required", o => o.ConnectionString = null },
        { "ConnectionString give either", o => o.Credential = new FakeTokenCredential("t") },
        { "ServiceUri must be an absolute https URI", o => { o.ConnectionString = null; o.ServiceUri = new Uri("http://127.0.0.1:1/a"); o.Credential = new FakeTokenCredential("t"); } },
        { "Credential is required", o => { o.ConnectionString = null; o.ServiceUri = new Uri("https://acct.blob.core.windows.net"); } },
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
    public void Constructor_InvalidConnectionString_ThrowsNamingTheField()
    {
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "AccountName=a", ContainerName = "abc" };

        var act = () => new AzureBlobObjectStore(options);

        act.Should().Throw<RunnelException>().WithMessage("*AccountKey is missing*");
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
