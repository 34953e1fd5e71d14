namespace Runnel.Client;

/// <summary>
/// Turns a record's key or value bytes back into a value for a consumer. Called only for non-null data: a null key
/// or value becomes <c>default</c> without calling the deserializer.
/// </summary>
/// <remarks>Implementations must be thread-safe. The data span is valid only during the call: copy what must
/// outlive it.</remarks>
public interface IDeserializer<out T>
{
    T Deserialize(ReadOnlySpan<byte> data);
}
