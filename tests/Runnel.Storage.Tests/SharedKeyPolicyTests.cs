using FluentAssertions;
using Runnel.Storage.Azure.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The SharedKey string to sign and signature, against vectors written out by hand from the documented
/// layout and signed independently (Python's hmac over the same string with Azurite's well-known key).</summary>
public sealed class SharedKeyPolicyTests
{
    private const string Date = "Sun, 01 Feb 2026 10:00:00 GMT";

    [Fact]
    public void BuildStringToSign_AppendBlockWithConditionsAndEncodedName_MatchesDocumentedLayout()
    {
        var uri = new Uri("http://127.0.0.1:10000/devstoreaccount1/c1/with%20space/%C3%BCnic%C3%B6de/%E5%90%8D?comp=appendblock");
        KeyValuePair<string, string>[] headers =
        [
            new("x-ms-version", "2021-08-06"),
            new("If-Match", "\"0x1\""),
            new("x-ms-lease-id", "11111111-2222-3333-4444-555555555555"),
            new("X-MS-Date", Date),
            new("x-ms-blob-condition-appendpos", "3"),
            new("User-Agent", "not signed"),
        ];

        var stringToSign = SharedKeyPolicy.BuildStringToSign("PUT", headers, contentLength: 5, uri, "devstoreaccount1");

        stringToSign.Should().Be(
            "PUT\n" + "\n" + "\n" + "5\n" + "\n" + "\n" + "\n" + "\n" + "\"0x1\"\n" + "\n" + "\n" + "\n"
            + "x-ms-blob-condition-appendpos:3\n"
            + $"x-ms-date:{Date}\n"
            + "x-ms-lease-id:11111111-2222-3333-4444-555555555555\n"
            + "x-ms-version:2021-08-06\n"
            + "/devstoreaccount1/devstoreaccount1/c1/with%20space/%C3%BCnic%C3%B6de/%E5%90%8D\n"
            + "comp:appendblock");
        SharedKeyPolicy.Sign(stringToSign, Convert.FromBase64String(AzuriteFixture.AccountKey))
            .Should().Be("wroBpiBZGjzdT8IMWUqUuBX9jgLw4Q5xm9QMxV0UcMM=");
    }

    [Fact]
    public void BuildStringToSign_ListWithEncodedQuery_SortsAndDecodesParametersAndBlanksZeroLength()
    {
        var uri = new Uri("http://127.0.0.1:10000/devstoreaccount1/c1?restype=container&comp=list&maxresults=7&prefix=a%2F%C3%A4%20b&marker=m%201");
        KeyValuePair<string, string>[] headers = [new("x-ms-version", "2021-08-06"), new("x-ms-date", Date)];

        var stringToSign = SharedKeyPolicy.BuildStringToSign("GET", headers, contentLength: 0, uri, "devstoreaccount1");

        stringToSign.Should().Be(
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            + $"x-ms-date:{Date}\n"
            + "x-ms-version:2021-08-06\n"
            + "/devstoreaccount1/devstoreaccount1/c1\n"
            + "comp:list\nmarker:m 1\nmaxresults:7\nprefix:a/ä b\nrestype:container");
        SharedKeyPolicy.Sign(stringToSign, Convert.FromBase64String(AzuriteFixture.AccountKey))
            .Should().Be("OrkUFgUvy2RQhA5DIew++1dhr3V9/H6ir3EsStra39o=");
    }

    [Fact]
    public void BuildStringToSign_HostStyleEndpoint_DoesNotRepeatAccount()
    {
        var uri = new Uri("https://acct.blob.core.windows.net/c1/b");

        var stringToSign = SharedKeyPolicy.BuildStringToSign("HEAD", [], 0, uri, "acct");

        stringToSign.Should().EndWith("\n/acct/c1/b");
    }
}
