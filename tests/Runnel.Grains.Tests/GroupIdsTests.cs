namespace Runnel.Grains.Tests;

/// <summary>The group id rule shared by the group grain and the client.</summary>
public sealed class GroupIdsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("no/slash")]
    [InlineData("caf\u00e9")]
    public void IsValid_BadId_FalseWithReason(string? groupId)
    {
        GroupIds.IsValid(groupId, out var reason).Should().BeFalse();
        reason.Should().Contain("not valid");
        var act = () => GroupIds.Validate(groupId);
        act.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.InvalidGroupId);
    }

    [Theory]
    [InlineData("g")]
    [InlineData("...")]
    [InlineData("billing.v2_A-9")]
    public void IsValid_GoodId_True(string groupId) => GroupIds.IsValid(groupId, out _).Should().BeTrue();

    [Fact]
    public void IsValid_Length_UpTo249()
    {
        GroupIds.IsValid(new string('a', 249), out _).Should().BeTrue();
        GroupIds.IsValid(new string('a', 250), out _).Should().BeFalse();
    }
}
