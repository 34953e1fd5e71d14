using System.Buffers.Binary;
using System.Net.Sockets;
using Runnel.Runtime.Tests.Infrastructure;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Tests;

/// <summary>The client's socket source: frames cut straight off the socket, large ones received into their own array.</summary>
public sealed class SocketFrameSourceTests
{
    private const int MaxFrame = 4 << 20;

    /// <summary>A frame: length prefix, version, kind, then <paramref name="size"/> - 2 patterned bytes.</summary>
    private static byte[] Frame(int size, byte seed, byte version = FrameFormat.Version)
    {
        var bytes = new byte[FrameFormat.LengthBytes + size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)size);
        bytes[4] = version;
        bytes[5] = FrameFormat.KindResponse;
        for (var i = 6; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31 + seed);
        }

        return bytes;
    }

    private static SocketFrameSource Source(Socket socket, ReadOnlySpan<byte> received = default) =>
        new(socket, MaxFrame, size => (new byte[size], false), received);

    /// <summary>Sends <paramref name="stream"/> in pieces of seeded random sizes, so frames and prefixes are split
    /// across receives at every kind of boundary.</summary>
    private static async Task SendInPiecesAsync(Socket socket, byte[] stream, int seed)
    {
        var random = new Random(seed);
        var at = 0;
        while (at < stream.Length)
        {
            var piece = Math.Min(stream.Length - at, random.Next(4) switch { 0 => random.Next(1, 8), 1 => random.Next(8, 5000), _ => random.Next(5000, 300_000) });
            at += await socket.SendAsync(stream.AsMemory(at, piece), SocketFlags.None);
            if (random.Next(4) == 0)
            {
                await Task.Delay(1); // let the receiver see a partial frame
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ReadAsync_FramesOfEverySizeSplitAnyhow_ComeOutWholeAndInOrder(int seed)
    {
        int[] sizes = [2, 10, 1000, SocketFrameSource.BufferBytes - FrameFormat.LengthBytes - 1, SocketFrameSource.BufferBytes - FrameFormat.LengthBytes,
            SocketFrameSource.BufferBytes - FrameFormat.LengthBytes + 1, SocketFrameSource.BufferBytes, 200_000, 1 << 20, 3, MaxFrame, 7];
        var frames = sizes.Select((size, i) => Frame(size, (byte)i)).ToList();
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            var sending = Task.Run(async () =>
            {
                await SendInPiecesAsync(sender, frames.SelectMany(f => f).ToArray(), seed);
                sender.Shutdown(SocketShutdown.Send);
            });
            var source = Source(receiver);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

            foreach (var expected in frames)
            {
                var frame = await source.ReadAsync(timeout.Token);
                frame.Should().NotBeNull();
                frame!.Value.Memory.ToArray().Should().Equal(expected[FrameFormat.LengthBytes..]);
            }

            (await source.ReadAsync(timeout.Token)).Should().BeNull("the peer closed between frames");
            await sending;
        }
    }

    [Fact]
    public async Task ReadAsync_BytesReceivedBeforeTheSource_AreTheStartOfTheFirstFrame()
    {
        var first = Frame(100_000, 1);
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            await sender.SendAsync(first.AsMemory(10), SocketFlags.None);
            var source = Source(receiver, first.AsSpan(0, 10));

            var frame = await source.ReadAsync(CancellationToken.None);

            frame!.Value.Memory.ToArray().Should().Equal(first[FrameFormat.LengthBytes..]);
        }
    }

    [Theory]
    [InlineData(500, 200)]        // a small frame cut off
    [InlineData(300_000, 100_000)] // a large one, inside its direct read
    [InlineData(300_000, 2)]       // inside the length prefix
    public async Task ReadAsync_PeerClosesInsideAFrame_IsATruncatedFrame(int size, int sent)
    {
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            await sender.SendAsync(Frame(size, 1).AsMemory(0, sent), SocketFlags.None);
            sender.Shutdown(SocketShutdown.Send);

            var read = async () => await Source(receiver).ReadAsync(CancellationToken.None);

            (await read.Should().ThrowAsync<FrameException>()).Which.Message.Should().Contain("truncated frame");
        }
    }

    [Theory]
    [InlineData(1u, "frame length 1 outside")]
    [InlineData(MaxFrame + 1u, "outside [2, 4194304]")]
    public async Task ReadAsync_LengthOutsideBounds_IsRefusedBeforeAnyAllocation(uint length, string message)
    {
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, length);
            await sender.SendAsync(prefix, SocketFlags.None);
            var allocated = 0;
            var source = new SocketFrameSource(receiver, MaxFrame, size => { allocated++; return (new byte[size], false); });

            var read = async () => await source.ReadAsync(CancellationToken.None);

            (await read.Should().ThrowAsync<FrameException>()).Which.Message.Should().Contain(message);
            allocated.Should().Be(0);
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task ReadAsync_UnknownVersion_IsRefused(int size)
    {
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            await sender.SendAsync(Frame(size, 1, version: 9), SocketFlags.None);

            var read = async () => await Source(receiver).ReadAsync(CancellationToken.None);

            (await read.Should().ThrowAsync<FrameException>()).Which.Message.Should().Contain("unknown frame version 9");
        }
    }
}
