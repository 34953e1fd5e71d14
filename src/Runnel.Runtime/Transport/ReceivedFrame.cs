using System.Buffers;

namespace Runnel.Runtime.Transport;

/// <summary>
/// One received frame, without its length prefix: <c>version | kind | header | body</c>. Whoever receives it owns
/// the buffer and must call <see cref="Return"/> once done with every slice of it (on a silo: when the grain call
/// completes). Client-side frames are not pooled, so slices of them may be kept.
/// </summary>
internal readonly struct ReceivedFrame(byte[] buffer, int length, bool pooled)
{
    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    public byte Kind => buffer[1];

    public void Return()
    {
        if (pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
