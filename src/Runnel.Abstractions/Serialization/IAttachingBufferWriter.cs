using System.Buffers;

namespace Runnel.Serialization;

/// <summary>
/// A buffer writer that can also take a reference to bytes instead of a copy of them: a connection that sends a
/// gather list to its socket, so that a fetch's stored batches go from their own memory to the kernel.
/// </summary>
/// <remarks>
/// Bytes given to <see cref="WriteAttached"/> are sent in their place among the bytes written through
/// <see cref="IBufferWriter{T}"/>; they must stay valid and unchanged until the writer's owner says they were sent
/// (for a connection: until the frame that wrote them is released).
/// </remarks>
public interface IAttachingBufferWriter : IBufferWriter<byte>
{
    /// <summary>Appends a reference to <paramref name="bytes"/> (or a copy, when they are not in an array).</summary>
    void WriteAttached(ReadOnlyMemory<byte> bytes);
}
