namespace Runnel.Serialization;

/// <summary>
/// Writes and reads values of one type in Runnel's compact binary format. Implementations are stateless and
/// thread-safe; one instance per type is cached in <see cref="WireCodec{T}.Instance"/>. Built-in codecs cover
/// primitives, strings, byte buffers, enums, <see cref="Guid"/>, <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>,
/// nullables, arrays, lists and dictionaries; the Runnel.CodeGen generator emits codecs for types marked
/// <see cref="GenerateSerializerAttribute"/>.
/// </summary>
public interface IWireCodec<T>
{
    /// <summary>How a field of this type is tagged, so unknown fields can be skipped.</summary>
    WireType WireType { get; }

    /// <summary>Appends <paramref name="value"/> to <paramref name="writer"/>.</summary>
    void Write(WireWriter writer, T value);

    /// <summary>Reads one value. A <see cref="ReadOnlyMemory{T}"/> of bytes that is read is a slice of the
    /// reader's buffer, not a copy: it is valid only as long as that buffer is (see <see cref="WireReader"/>).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.MalformedMessage"/>: the bytes are not a valid value.</exception>
    T Read(ref WireReader reader);
}
