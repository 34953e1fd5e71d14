using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Tests;

public sealed class OutboundChannelTests
{
    [Fact]
    public async Task GetSession_AfterTheRouterDisposedTheChannel_IsARetriableConnectionLost()
    {
        // Found in CI: a producer-id call picked up the channel of a silo that was just declared dead, the router
        // disposed it, and the call failed for good with ObjectDisposedException instead of being routed again.
        var settings = new ChannelSettings("c", "client", FrameFormat.RoleClient, 1 << 20, 16, TimeSpan.FromSeconds(1),
            TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeProvider.System, null);
        var channel = new OutboundChannel(new IPEndPoint(IPAddress.Loopback, 9), settings, NullLogger.Instance);
        await channel.DisposeAsync();

        var get = async () => await channel.GetSessionAsync(CancellationToken.None);

        var error = (await get.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ConnectionLost);
        error.IsRetriable.Should().BeTrue();
    }
}
