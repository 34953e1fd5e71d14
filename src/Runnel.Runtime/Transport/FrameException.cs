namespace Runnel.Runtime.Transport;

/// <summary>A frame broke the format: the connection it came on is closed, with this message logged.</summary>
/// <param name="message">What was wrong.</param>
/// <param name="isPeerClosed">True when the peer simply closed the connection (no format violation: a silo that is
/// stopping or cut off); a caller treats that as a lost connection, not as a protocol mismatch.</param>
internal sealed class FrameException(string message, bool isPeerClosed = false) : Exception(message)
{
    public bool IsPeerClosed { get; } = isPeerClosed;
}
