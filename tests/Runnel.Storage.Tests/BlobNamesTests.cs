using FluentAssertions;
using Xunit;

namespace Runnel.Storage.Tests;

public sealed class BlobNamesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("topics/orders/0/manifest")]
    [InlineData("with space/and ünïcödé/名前")]
    public void Validate_ValidName_DoesNotThrow(string name) => BlobNames.Validate(name);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/abs", "starts with '/'")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/", "empty segment")]
    [InlineData("a/../b", "'..' segment")]
    [InlineData("./b", "'.' segment")]
    [InlineData("a\nb", "control character")]
    [InlineData("back\\slash", "contains '\\'")]
    public void Validate_InvalidName_ThrowsInvalidArgumentNamingTheProblem(string name, string why)
    {
        var act = () => BlobNames.Validate(name);

        act.Should().Throw<RunnelException>()
            .Where(e => e.Code == RunnelErrorCode.InvalidArgument)
            .WithMessage($"*{why}*");
    }

    [Fact]
    public void Validate_NameOverLimit_Throws()
    {
        var act = () => BlobNames.Validate(new string('x', ObjectStoreLimits.MaxBlobNameLength + 1));

        act.Should().Throw<RunnelException>().WithMessage("*limit is 1024*");
    }
}
