namespace Runnel.Runtime.Transport;

/// <summary>What a connection does with the frames it receives. Called from the connection's read loop, one frame
/// at a time: a handler that waits (for mailbox room) holds up reading, which is the transport's backpressure.</summary>
internal interface IFrameHandler
{
    /// <summary>Handles one frame and takes ownership of it. Throw <see cref="FrameException"/> (or a
    /// <see cref="RunnelException"/> with <see cref="RunnelErrorCode.MalformedMessage"/>) to close the connection.</summary>
    ValueTask OnFrameAsync(FrameConnection connection, ReceivedFrame frame);

    /// <summary>The connection closed (either side, any reason); called once, after the loops stopped.</summary>
    void OnClosed(FrameConnection connection);
}
