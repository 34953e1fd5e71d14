namespace Runnel.Client;

/// <summary>Deserializes bytes that are valid only during the call (see <see cref="IDeserializer{T}"/>).</summary>
public delegate T DeserializeFunc<out T>(ReadOnlySpan<byte> data);
