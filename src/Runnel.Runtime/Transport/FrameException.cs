namespace Runnel.Runtime.Transport;

/// <summary>A frame broke the format: the connection it came on is closed, with this message logged.</summary>
internal sealed class FrameException(string message) : Exception(message);
