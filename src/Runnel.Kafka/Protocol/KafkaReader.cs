using System.Buffers;
using System.Text;

namespace Runnel.Kafka.Protocol;

/// <summary>
/// Reads Kafka protocol primitives from a <see cref="ReadOnlySequence{T}"/> (one request's bytes, after the size
/// prefix). Integers are big-endian; "compact" forms (flexible versions) carry lengths as unsigned varints holding
/// <c>length + 1</c> (0 = null); classic forms carry int16 (strings) or int32 (bytes, arrays) lengths, -1 = null.
/// </summary>
/// <remarks>Every read checks that the bytes are there and that a length fits in what is left, so a hostile length can
/// never make the reader allocate more than the frame holds; a violation throws <see cref="KafkaProtocolException"/>.
/// Byte fields come back as slices of the input sequence: valid as long as the caller's buffer is.</remarks>
internal ref struct KafkaReader
{
    /// <summary>A varint longer than 5 bytes cannot be an int32.</summary>
    private const int MaxVarIntBytes = 5;

    private SequenceReader<byte> _reader;

    public KafkaReader(ReadOnlySequence<byte> buffer)
    {
        _reader = new SequenceReader<byte>(buffer);
    }

    public KafkaReader(ReadOnlyMemory<byte> buffer)
        : this(new ReadOnlySequence<byte>(buffer))
    {
    }

    public readonly long Remaining => _reader.Remaining;

    public readonly long Consumed => _reader.Consumed;

    public sbyte ReadInt8()
    {
        if (!_reader.TryRead(out var value))
        {
            throw Truncated("int8");
        }

        return (sbyte)value;
    }

    public bool ReadBool() => ReadInt8() != 0;

    public short ReadInt16() => _reader.TryReadBigEndian(out short value) ? value : throw Truncated("int16");

    public int ReadInt32() => _reader.TryReadBigEndian(out int value) ? value : throw Truncated("int32");

    public long ReadInt64() => _reader.TryReadBigEndian(out long value) ? value : throw Truncated("int64");

    public Guid ReadUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!_reader.TryCopyTo(bytes))
        {
            throw Truncated("uuid");
        }

        _reader.Advance(16);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>An unsigned LEB128 varint of at most 32 bits.</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var i = 0; i < MaxVarIntBytes; i++)
        {
            if (!_reader.TryRead(out var b))
            {
                throw Truncated("varint");
            }

            value |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new KafkaProtocolException("A varint is longer than 5 bytes.");
    }

    /// <summary>A non-null string (UTF-8).</summary>
    public string ReadString(bool compact) =>
        ReadNullableString(compact) ?? throw new KafkaProtocolException("A non-nullable string is null.");

    public string? ReadNullableString(bool compact)
    {
        var length = compact ? (long)ReadUnsignedVarInt() - 1 : ReadInt16();
        if (length < 0)
        {
            return length == -1 ? null : throw new KafkaProtocolException($"Bad string length {length}.");
        }

        var bytes = Take(length, "string");
        try
        {
            return bytes.IsSingleSegment
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.FirstSpan)
                : new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException ex)
        {
            throw new KafkaProtocolException("A string is not valid UTF-8.", ex);
        }
    }

    /// <summary>Bytes (or null): a slice of the input.</summary>
    public ReadOnlySequence<byte>? ReadNullableBytes(bool compact)
    {
        var length = compact ? (long)ReadUnsignedVarInt() - 1 : ReadInt32();
        if (length < 0)
        {
            return length == -1 ? null : throw new KafkaProtocolException($"Bad bytes length {length}.");
        }

        return Take(length, "bytes");
    }

    public ReadOnlySequence<byte> ReadBytes(bool compact) =>
        ReadNullableBytes(compact) ?? throw new KafkaProtocolException("A non-nullable bytes field is null.");

    /// <summary>An array's element count, or -1 for null. A count larger than the bytes left (every element takes at
    /// least one byte) is refused before anything is allocated.</summary>
    public int ReadArrayLength(bool compact)
    {
        var count = compact ? (long)ReadUnsignedVarInt() - 1 : ReadInt32();
        if (count < -1)
        {
            throw new KafkaProtocolException($"Bad array length {count}.");
        }

        if (count > _reader.Remaining)
        {
            throw new KafkaProtocolException($"Array of {count} elements in {_reader.Remaining} remaining bytes.");
        }

        return (int)count;
    }

    /// <summary>A non-null array's element count (a null array reads as empty only where Kafka allows it: never here).</summary>
    public int ReadNonNullArrayLength(bool compact)
    {
        var count = ReadArrayLength(compact);
        return count >= 0 ? count : throw new KafkaProtocolException("A non-nullable array is null.");
    }

    /// <summary>A non-null array of structures, each read by <paramref name="readItem"/> and, in flexible versions
    /// (<paramref name="compact"/>), followed by its tagged fields, which are skipped.</summary>
    public List<T> ReadArray<T>(short version, bool compact, KafkaItemReader<T> readItem)
    {
        var count = ReadNonNullArrayLength(compact);
        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(readItem(ref this, version, compact));
            if (compact)
            {
                SkipTaggedFields();
            }
        }

        return items;
    }

    /// <summary>The shape of most partition-level APIs: a non-null array of topics, each its name and a non-null array
    /// of partition structures (<paramref name="readPartition"/>); <paramref name="topic"/> makes a topic of its name and
    /// partitions. Topics and partitions are followed by their tagged fields in flexible versions.</summary>
    public List<TTopic> ReadTopicArray<TTopic, TPartition>(short version, bool compact, KafkaItemReader<TPartition> readPartition, Func<string, List<TPartition>, TTopic> topic)
    {
        var count = ReadNonNullArrayLength(compact);
        var topics = new List<TTopic>(count);
        for (var t = 0; t < count; t++)
        {
            var name = ReadString(compact);
            topics.Add(topic(name, ReadArray(version, compact, readPartition)));
            if (compact)
            {
                SkipTaggedFields();
            }
        }

        return topics;
    }

    /// <summary>A non-null array of int32 (a primitive array: no tagged fields per element).</summary>
    public int[] ReadInt32Array(bool compact)
    {
        var values = new int[ReadNonNullArrayLength(compact)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ReadInt32();
        }

        return values;
    }

    /// <summary>Skips a tagged-field section (flexible versions): a varint count, then per field a varint tag, a varint
    /// size and that many bytes. Tags must ascend, as Kafka requires.</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarInt();
        long previous = -1;
        for (var i = 0u; i < count; i++)
        {
            var tag = ReadUnsignedVarInt();
            if (tag <= previous)
            {
                throw new KafkaProtocolException("Tagged fields are not in ascending tag order.");
            }

            previous = tag;
            var size = ReadUnsignedVarInt();
            Take(size, "tagged field");
        }
    }

    public void ExpectEnd()
    {
        if (_reader.Remaining != 0)
        {
            throw new KafkaProtocolException($"{_reader.Remaining} bytes left over after the message.");
        }
    }

    private ReadOnlySequence<byte> Take(long length, string what)
    {
        if (length > _reader.Remaining)
        {
            throw new KafkaProtocolException($"A {what} of {length} bytes runs past the end ({_reader.Remaining} left).");
        }

        var slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    private static KafkaProtocolException Truncated(string what) => new($"The message ends inside a {what}.");
}

/// <summary>Reads one structure of a Kafka array (<see cref="KafkaReader.ReadArray{T}"/>) at <paramref name="version"/>;
/// <paramref name="compact"/> is whether the version is flexible. Its tagged fields are the caller's.</summary>
internal delegate T KafkaItemReader<out T>(ref KafkaReader reader, short version, bool compact);
