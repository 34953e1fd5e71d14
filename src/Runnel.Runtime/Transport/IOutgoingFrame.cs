namespace Runnel.Runtime.Transport;

/// <summary>
/// Something queued for a connection's writer loop. The connection calls <see cref="TryGetFrame"/> once, copies
/// the bytes into the socket's pipe, then calls <see cref="Release"/> exactly once, whether the frame was written,
/// skipped or dropped because the connection closed.
/// </summary>
internal interface IOutgoingFrame
{
    /// <summary>The complete frame (length prefix included), or false to skip it (a call cancelled before it was
    /// sent). Returning true marks the frame as sent: from then on its outcome is unknown to the sender.</summary>
    bool TryGetFrame(out ReadOnlyMemory<byte> frame);

    /// <summary>Gives back the frame's buffers.</summary>
    void Release();
}
