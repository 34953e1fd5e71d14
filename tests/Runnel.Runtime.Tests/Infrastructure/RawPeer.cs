using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>
/// A raw TCP peer that writes bytes by hand (independently of the runtime's own encoder), to send a silo
/// malformed, truncated and oversized input.
/// </summary>
public sealed class RawPeer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public static async Task<RawPeer> ConnectAsync(IPEndPoint endpoint)
    {
        var peer = new RawPeer();
        await peer._socket.ConnectAsync(endpoint);
        return peer;
    }

    /// <summary>A preamble: len u32 | "RUNL" | version u16 | role u8 | cluster string | sender string.</summary>
    public static byte[] Preamble(string clusterId, ushort version = 1, string magic = "RUNL")
    {
        var body = new List<byte>();
        body.AddRange(Encoding.ASCII.GetBytes(magic));
        body.Add((byte)version);
        body.Add((byte)(version >> 8));
        body.Add(1);
        AddString(body, clusterId);
        AddString(body, "raw-peer");
        return Prefixed(body);
    }

    /// <summary>A frame: len u32 | the given bytes.</summary>
    public static byte[] Frame(params byte[] afterLength) => Prefixed([.. afterLength]);

    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Half-closes: the silo sees the end of the stream.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads the reply to a preamble: (accepted, reason).</summary>
    public async Task<(bool Accepted, string Reason)> ReadReplyAsync()
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(await ReadExactlyAsync(4));
        var body = await ReadExactlyAsync((int)length);
        Encoding.ASCII.GetString(body, 0, 4).Should().Be("RUNL");
        var status = body[6];
        var reasonLength = body[7] - 1;
        return (status == 0, Encoding.UTF8.GetString(body, 8, reasonLength));
    }

    /// <summary>Completes when the silo closes the connection (reads and drops anything before that).</summary>
    public async Task WaitForCloseAsync()
    {
        var buffer = new byte[4096];
        using var guard = new CancellationTokenSource(TestSignals.HangGuard);
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var guard = new CancellationTokenSource(TestSignals.HangGuard);
        while (read < count)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, guard.Token);
            if (n == 0)
            {
                throw new IOException("closed");
            }

            read += n;
        }

        return buffer;
    }

    private static void AddString(List<byte> bytes, string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        bytes.Add((byte)(utf8.Length + 1));
        bytes.AddRange(utf8);
    }

    private static byte[] Prefixed(List<byte> body)
    {
        var result = new byte[4 + body.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)body.Count);
        body.CopyTo(result, 4);
        return result;
    }
}
