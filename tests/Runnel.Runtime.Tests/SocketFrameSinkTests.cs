using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Runtime.Tests.Infrastructure;
using Runnel.Runtime.Transport;
using Runnel.Serialization;

namespace Runnel.Runtime.Tests;

/// <summary>The silo's socket sink: frames go to the socket as gather lists, attached bytes by reference, and a
/// frame's buffers are released only after the send that read them.</summary>
public sealed class SocketFrameSinkTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 13 + seed)).ToArray();

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var have = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (have < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, timeout.Token);
            n.Should().BePositive("the sender sent {0} bytes and the receiver has {1}", count, have);
            have += n;
        }

        return buffer;
    }

    [Fact]
    public async Task Flush_CopiedAndAttachedBytesOfManyFrames_ArriveInOrder()
    {
        var (sender, receiver) = await LoopbackSockets.ConnectedPairAsync();
        using (sender)
        using (receiver)
        {
            var sink = new SocketFrameSink(sender, new Pipe().Writer);
            var expected = new List<byte>();
            for (var frame = 0; frame < 5; frame++)
            {
                using var writer = new WireWriter();
                writer.EnableAttachments();
                writer.WriteFixed32((uint)frame);
                var large = Bytes(WireWriter.MinAttachedBytes * (frame + 1), (byte)frame);
                writer.WriteBytesAttachable(large.AsMemory(3, large.Length - 7)); // a slice: offsets are kept
                writer.WriteString($"after {frame}");
                writer.WriteTo(sink.Writer);
                expected.AddRange(writer.WrittenSpan.ToArray());
            }

            // A copied part larger than one pooled chunk.
            var big = Bytes(200_000, 99);
            sink.Writer.Write(big);
            expected.AddRange(big);

            (await sink.FlushAsync(CancellationToken.None)).Should().BeTrue();
            (await ReceiveAsync(receiver, expected.Count)).Should().Equal(expected);

            // The sink is reusable after a flush.
            sink.Writer.Write(Bytes(10, 1));
            (await sink.FlushAsync(CancellationToken.None)).Should().BeTrue();
            (await ReceiveAsync(receiver, 10)).Should().Equal(Bytes(10, 1));
            await sink.CompleteAsync();
        }
    }

    [Fact]
    public void WriteTo_AnAttachingWriter_IsHandedTheAttachedBytesByReference()
    {
        var large = Bytes(WireWriter.MinAttachedBytes * 2, 4);
        using var writer = new WireWriter();
        writer.EnableAttachments();
        writer.WriteFixed32(1);
        writer.WriteBytesAttachable(large.AsMemory(5));
        writer.WriteFixed32(2);
        var recorder = new RecordingWriter();

        writer.WriteTo(recorder);

        recorder.Attached.Should().ContainSingle();
        MemoryMarshal.TryGetArray(recorder.Attached[0], out var segment).Should().BeTrue();
        segment.Array.Should().BeSameAs(large, "the stored bytes are referenced, not copied");
        segment.Offset.Should().Be(5);
        recorder.Copied.Should().Be(writer.WrittenCount - (large.Length - 5));
    }

    [Fact]
    public void IsFull_AfterManyAttachedSegments_AsksForASendBeforeMoreFrames()
    {
        var sink = new SocketFrameSink(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), new Pipe().Writer);
        var large = Bytes(WireWriter.MinAttachedBytes, 1);
        for (var i = 0; i < SocketFrameSink.MaxBatchSegments / 2; i++)
        {
            sink.IsFull.Should().BeFalse();
            sink.Writer.Write(Bytes(3, (byte)i));
            ((IAttachingBufferWriter)sink.Writer).WriteAttached(large);
        }

        sink.IsFull.Should().BeTrue();
    }

    [Fact]
    public async Task WriteLoop_ReleasesFramesOnlyAfterTheSinkSentThem()
    {
        var toPeer = new Pipe();
        var fromPeer = new Pipe();
        var sink = new CheckingSink();
        var connection = new FrameConnection(new DuplexPipe(fromPeer.Reader, toPeer.Writer), "test", 1 << 20, 16, poolReceiveBuffers: true, () => { }, NullLogger.Instance, sink);
        var running = connection.RunAsync(new NoFrames());
        var frames = Enumerable.Range(0, 10).Select(_ => new Frame(sink)).ToList();

        foreach (var frame in frames)
        {
            await connection.SendAsync(frame);
        }

        await sink.Flushed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        while (frames.Any(f => !f.Released))
        {
            await Task.Yield();
            await Task.Delay(1);
        }

        sink.ReleasedBeforeFlush.Should().Be(0);
        connection.Close("done");
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class RecordingWriter : IAttachingBufferWriter
    {
        private readonly ArrayBufferWriter<byte> _copied = new();

        public List<ReadOnlyMemory<byte>> Attached { get; } = [];

        public int Copied => _copied.WrittenCount;

        public void Advance(int count) => _copied.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _copied.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _copied.GetSpan(sizeHint);

        public void WriteAttached(ReadOnlyMemory<byte> bytes) => Attached.Add(bytes);
    }

    /// <summary>Counts frames whose release came before the flush that sends them (frames of earlier flushes are
    /// released by then, rightly: only the batch being flushed counts).</summary>
    private sealed class CheckingSink : FrameSink
    {
        private readonly ArrayBufferWriter<byte> _batch = new();
        private readonly List<Frame> _inBatch = [];
        private int _written;

        public TaskCompletionSource Flushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ReleasedBeforeFlush { get; private set; }

        public override IBufferWriter<byte> Writer => _batch;

        public override bool IsFull => false;

        public void OnWritten(Frame frame)
        {
            _written++;
            _inBatch.Add(frame);
        }

        public override async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(20, cancellationToken); // a send that takes a while
            ReleasedBeforeFlush += _inBatch.Count(f => f.Released);
            _inBatch.Clear();
            if (_written > 0)
            {
                Flushed.TrySetResult();
            }

            _batch.Clear();
            return true;
        }

        public override ValueTask CompleteAsync() => default;
    }

    private sealed class Frame(CheckingSink sink) : IOutgoingFrame
    {
        private volatile bool _released;

        public bool Released => _released;

        public bool TryWriteFrame(IBufferWriter<byte> output)
        {
            output.Write(new byte[] { 6, 0, 0, 0, FrameFormat.Version, FrameFormat.KindCancel, 0, 0, 0, 0 });
            sink.OnWritten(this);
            return true;
        }

        public void Release() => _released = true;
    }

    private sealed class NoFrames : IFrameHandler
    {
        public ValueTask OnFrameAsync(FrameConnection connection, ReceivedFrame frame) => default;

        public void OnClosed(FrameConnection connection)
        {
        }
    }
}
