using Runnel.Grains;
using Runnel.Testing;

namespace Runnel.Client.Tests;

/// <summary>The client accepts exactly the group ids the server accepts: both call <see cref="GroupIds.IsValid"/>.</summary>
public sealed class GroupIdRuleTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("no/slash")]
    [InlineData("")]
    public void ConsumerOptionsValidate_IdTheServerRefuses_Throws(string groupId)
    {
        var act = () => (ConsumerOptions.Default with { GroupId = groupId }).Validate();

        act.Should().Throw<ArgumentException>().WithMessage("*GroupId*not valid*");
    }

    [Theory]
    [InlineData("billing")]
    [InlineData("...")]
    [InlineData("a.b_c-D9")]
    public void ConsumerOptionsValidate_IdTheServerAccepts_Passes(string groupId)
    {
        var act = () => (ConsumerOptions.Default with { GroupId = groupId }).Validate();

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task AdminDescribeGroup_DotId_FailsOnTheClientWithInvalidGroupId(string groupId)
    {
        // A grain factory that fails every call: the id must be refused before any call is made.
        var admin = new Admin(new NoCallsGrainFactory());

        var act = () => admin.DescribeGroupAsync(groupId);

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidGroupId);
    }

    private sealed class NoCallsGrainFactory() : DelegatingGrainFactory(null)
    {
        public override TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null) =>
            throw new InvalidOperationException($"No call expected (asked for {typeof(TGrainInterface).Name} '{primaryKey}').");
    }
}
