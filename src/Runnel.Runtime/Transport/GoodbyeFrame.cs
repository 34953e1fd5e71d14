using System.Buffers;

namespace Runnel.Runtime.Transport;

/// <summary>The goodbye frame a stopping silo sends last on a connection (layout in <see cref="FrameFormat"/>);
/// <see cref="Sent"/> completes once the connection has written it (true) or dropped it (false).</summary>
internal sealed class GoodbyeFrame : IOutgoingFrame
{
    private static readonly byte[] Bytes = [2, 0, 0, 0, FrameFormat.Version, FrameFormat.KindGoodbye];
    private readonly TaskCompletionSource<bool> _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _written;

    public Task<bool> Sent => _sent.Task;

    /// <summary>Whether <paramref name="bytes"/> are one goodbye frame and nothing else.</summary>
    public static bool IsExactly(ReadOnlySpan<byte> bytes) => bytes.SequenceEqual(Bytes);

    public bool TryWriteFrame(IBufferWriter<byte> output)
    {
        output.Write(Bytes);
        _written = true;
        return true;
    }

    /// <summary>Called after the send that carried it (or when it was dropped).</summary>
    public void Release() => _sent.TrySetResult(_written);
}
