using System.Buffers;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Something queued for a connection's writer loop. The connection calls <see cref="TryWriteFrame"/> once, which
/// copies the bytes into the socket's pipe, then calls <see cref="Release"/> exactly once, whether the frame was
/// written, skipped or dropped because the connection closed.
/// </summary>
internal interface IOutgoingFrame
{
    /// <summary>Writes the complete frame (length prefix included) to <paramref name="output"/>, or returns false to skip
    /// it (a call cancelled before it was sent). Returning true marks the frame as sent: from then on its outcome is
    /// unknown to the sender.</summary>
    bool TryWriteFrame(IBufferWriter<byte> output);

    /// <summary>Gives back the frame's buffers.</summary>
    void Release();
}
