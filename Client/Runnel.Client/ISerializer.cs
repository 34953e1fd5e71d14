using System.Buffers;

namespace Runnel.Client;

/// <summary>
/// Turns keys or values into bytes for a producer. Called only for non-null values: a null key or value is written
/// as a null (length -1) without calling the serializer, so null round-trips as null.
/// </summary>
/// <remarks>Implementations must be thread-safe: a producer calls them from every thread that produces.</remarks>
public interface ISerializer<in T>
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>. The writer belongs to the producer and is
    /// valid only during this call.</summary>
    void Serialize(T value, IBufferWriter<byte> output);
}
