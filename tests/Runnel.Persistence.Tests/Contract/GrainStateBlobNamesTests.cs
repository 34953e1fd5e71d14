using System.Text;
using FluentAssertions;
using Runnel.Persistence.Internal;
using Xunit;

namespace Runnel.Persistence.Tests.Contract;

public sealed class GrainStateBlobNamesTests
{
    [Theory]
    [InlineData("orders-0", "orders-0")]
    [InlineData("orders/0", "orders_2F0")]
    [InlineData("a_b", "a_5Fb")]
    [InlineData("..", "_2E_2E")]
    [InlineData("ü", "_C3_BC")]
    [InlineData("", "_")]
    public void Component_EscapesEverythingButLettersDigitsAndHyphen(string raw, string expected) =>
        GrainStateBlobNames.Component(Encoding.UTF8.GetBytes(raw)).Should().Be(expected);

    [Fact]
    public void Component_TooLong_KeepsAReadablePrefixAndTheHash()
    {
        var raw = Encoding.UTF8.GetBytes(new string('/', 100));

        var escaped = GrainStateBlobNames.Component(raw);

        escaped.Length.Should().BeLessThanOrEqualTo(GrainStateBlobNames.MaxComponentLength + 2);
        escaped.Should().MatchRegex("^(_2F)+~[0-9a-f]{64}$", "the kept prefix never cuts an escape");
        GrainStateBlobNames.Component(Encoding.UTF8.GetBytes(new string('/', 101))).Should().NotBe(escaped);
    }

    [Fact]
    public void BlobName_JoinsPrefixStorageTypeKeyAndState()
    {
        var name = GrainStateBlobNames.BlobName("grains", "runnel", "s", Orleans.Runtime.GrainId.Create("topic", "orders/0"));

        name.Should().Be("grains/runnel/topic/orders_2F0/s");
    }
}
