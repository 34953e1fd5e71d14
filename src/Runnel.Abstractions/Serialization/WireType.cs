namespace Runnel.Serialization;

/// <summary>
/// How a value is laid out, so that a reader that does not know a field (an older version) can skip it.
/// Stored in the low 3 bits of a field tag (see <see cref="WireWriter.WriteField{T}"/>).
/// </summary>
public enum WireType
{
    /// <summary>A LEB128 varint (bool, integers, chars, enums, <see cref="TimeSpan"/>).</summary>
    VarInt = 0,

    /// <summary>4 bytes little-endian (<see cref="float"/>).</summary>
    Fixed32 = 1,

    /// <summary>8 bytes little-endian (<see cref="double"/>, <see cref="DateTime"/>).</summary>
    Fixed64 = 2,

    /// <summary>16 bytes (<see cref="Guid"/>).</summary>
    Fixed128 = 3,

    /// <summary>A varint <c>length + 1</c> (0 = null) and that many bytes (strings, byte arrays).</summary>
    Bytes = 4,

    /// <summary>Anything else (objects, collections, nullables): as a field it is wrapped in a 4-byte
    /// little-endian length so that it can be skipped without being understood.</summary>
    Framed = 5,
}
