using Microsoft.Extensions.Logging;
using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests;

public sealed class TransportTests
{
    private const int MaxFrameBytes = 64 * 1024;

    public static TheoryData<string, byte[], string> BadFrames => new()
    {
        { "oversized", [0x01, 0x00, 0x01, 0x00], "frame length 65537 outside" },
        { "too short", RawPeer.Frame(1), "frame length 1 outside" },
        { "unknown version", RawPeer.Frame(9, 1, 0, 0), "unknown frame version 9" },
        { "unknown kind", RawPeer.Frame(1, 77), "unexpected frame kind 77" },
        { "truncated header", RawPeer.Frame(1, 1, 5, 0, 0), "truncated" },
        { "response from a caller", RawPeer.Frame(1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0), "unexpected frame kind 2" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task BadFrame_FromARawSocket_ClosesOnlyThatConnectionWithALoggedReason(string what, byte[] bytes, string reason)
    {
        await using var silo = await SiloHarness.StartAsync(o => o.MaxFrameBytes = MaxFrameBytes);
        var client = await silo.ConnectAsync();
        var counter = client.GetGrain<ICounterGrain>("survivor");
        await counter.AddAsync(1);
        using var peer = await RawPeer.ConnectAsync(silo.Endpoint);
        await peer.SendAsync(RawPeer.Preamble("test"));
        (await peer.ReadReplyAsync()).Accepted.Should().BeTrue();

        await peer.SendAsync(bytes);
        await peer.WaitForCloseAsync();

        silo.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains(reason), what);
        (await counter.AddAsync(1)).Should().Be(2, "other connections are unharmed");
    }

    [Fact]
    public async Task TruncatedFrame_PeerClosesMidFrame_IsLoggedAndOthersUnharmed()
    {
        await using var silo = await SiloHarness.StartAsync(o => o.MaxFrameBytes = MaxFrameBytes);
        var client = await silo.ConnectAsync();
        using var peer = await RawPeer.ConnectAsync(silo.Endpoint);
        await peer.SendAsync(RawPeer.Preamble("test"));
        await peer.ReadReplyAsync();

        await peer.SendAsync([100, 0, 0, 0, 1, 1, 0, 0]);
        peer.ShutdownSend();
        await peer.WaitForCloseAsync();

        silo.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("truncated frame"));
        (await client.GetGrain<ICounterGrain>("x").AddAsync(3)).Should().Be(3);
    }

    [Fact]
    public async Task GarbageInsteadOfPreamble_ConnectionClosed()
    {
        await using var silo = await SiloHarness.StartAsync();
        using var peer = await RawPeer.ConnectAsync(silo.Endpoint);

        await peer.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await peer.WaitForCloseAsync();

        silo.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("preamble"));
    }

    [Fact]
    public async Task Preamble_WrongProtocolVersion_RejectedWithReason()
    {
        await using var silo = await SiloHarness.StartAsync();
        using var peer = await RawPeer.ConnectAsync(silo.Endpoint);

        await peer.SendAsync(RawPeer.Preamble("test", version: 99));
        var reply = await peer.ReadReplyAsync();
        await peer.WaitForCloseAsync();

        reply.Accepted.Should().BeFalse();
        reply.Reason.Should().Contain("protocol version 99");
    }

    [Fact]
    public async Task Client_WrongClusterId_FailsWithProtocolMismatch()
    {
        await using var silo = await SiloHarness.StartAsync();

        var connect = () => silo.ConnectAsync(silo.ClientOptions() with { ClusterId = "other" });

        var error = (await connect.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ProtocolMismatch);
        error.Message.Should().Contain("cluster id 'other'");
    }

    [Fact]
    public async Task Client_SiloAnswersSlowerThanTheViewRefreshLimit_StillConnects()
    {
        // A silo just started on a loaded machine may take over a second to answer its first call. Refreshes give up on
        // a silo after 1 s (another may answer), but connecting waits for the first view as long as any call may.
        await using var silo = await SiloHarness.StartAsync();
        await using var proxy = new TcpProxy(silo.Endpoint) { ResponseDelay = TimeSpan.FromMilliseconds(1500) };

        var client = await silo.ConnectAsync(silo.ClientOptions(proxy.Endpoint) with { ResponseTimeout = TimeSpan.FromSeconds(20) });

        client.ViewVersion.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Request_LargerThanTheClientCap_FailsBeforeSending()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { MaxFrameBytes = 4096 });

        var call = () => client.GetGrain<IBehaviorGrain>("big").EchoAsync(new Payload("big", 1) { Raw = new byte[8192] }).AsTask();

        (await call.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        (await client.GetGrain<ICounterGrain>("fine").AddAsync(1)).Should().Be(1);
    }
}
