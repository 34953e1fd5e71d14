using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Runnel.Kafka.Protocol;

/// <summary>
/// Writes Kafka protocol primitives to an <see cref="IBufferWriter{T}"/>, the mirror of <see cref="KafkaReader"/>:
/// big-endian integers; compact (flexible-version) lengths as unsigned varints of <c>length + 1</c>, classic lengths as
/// int16 (strings) or int32 (bytes, arrays), -1 = null.
/// </summary>
internal readonly ref struct KafkaWriter
{
    /// <summary>Below this, <see cref="WriteBytesShared"/> copies: a small field costs less to copy than to send as a
    /// separate piece of the frame.</summary>
    public const int MinAttachBytes = 4096;

    private readonly IBufferWriter<byte> _output;

    public KafkaWriter(IBufferWriter<byte> output)
    {
        _output = output;
    }

    public void WriteInt8(sbyte value)
    {
        _output.GetSpan(1)[0] = (byte)value;
        _output.Advance(1);
    }

    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteUuid(Guid value)
    {
        value.TryWriteBytes(_output.GetSpan(16), bigEndian: true, out _);
        _output.Advance(16);
    }

    public void WriteUnsignedVarInt(uint value)
    {
        var span = _output.GetSpan(5);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _output.Advance(i);
    }

    public void WriteString(string value, bool compact)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteNullableString(value, compact);
    }

    public void WriteNullableString(string? value, bool compact)
    {
        if (value is null)
        {
            WriteNullLength(compact, isString: true);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        if (compact)
        {
            WriteUnsignedVarInt((uint)length + 1);
        }
        else
        {
            if (length > short.MaxValue)
            {
                throw new ArgumentException($"A string of {length} UTF-8 bytes does not fit a classic int16 length.", nameof(value));
            }

            WriteInt16((short)length);
        }

        var written = Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
        _output.Advance(written);
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)value.Length + 1);
        }
        else
        {
            WriteInt32(value.Length);
        }

        WriteRaw(value);
    }

    /// <summary>
    /// As <see cref="WriteBytes"/>, but when the output is a <see cref="ResponseFrame"/> and <paramref name="value"/>
    /// holds at least <see cref="MinAttachBytes"/>, the bytes are attached to the frame (sent from their own memory, see
    /// <see cref="ResponseFrame.Attach"/>) instead of copied into it. The caller keeps its reference either way.
    /// </summary>
    public void WriteBytesShared(ReadOnlyMemory<byte> value, bool compact)
    {
        if (value.Length < MinAttachBytes || _output is not ResponseFrame frame)
        {
            WriteBytes(value.Span, compact);
            return;
        }

        if (compact)
        {
            WriteUnsignedVarInt((uint)value.Length + 1);
        }
        else
        {
            WriteInt32(value.Length);
        }

        frame.Attach(value);
    }

    /// <summary>Bytes or null (<paramref name="isNull"/>).</summary>
    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull, bool compact)
    {
        if (isNull)
        {
            WriteNullLength(compact, isString: false);
            return;
        }

        WriteBytes(value, compact);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        if (!value.IsEmpty)
        {
            _output.Write(value);
        }
    }

    /// <summary>An array's element count; -1 writes a null array.</summary>
    public void WriteArrayLength(int count, bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)(count + 1));
        }
        else
        {
            WriteInt32(count);
        }
    }

    /// <summary>A non-null array of structures, each written by <paramref name="writeItem"/> and, in flexible versions
    /// (<paramref name="compact"/>), followed by an empty tagged-field section; the mirror of
    /// <see cref="KafkaReader.ReadArray{T}"/>.</summary>
    public void WriteArray<T>(IReadOnlyList<T> items, short version, bool compact, KafkaItemWriter<T> writeItem)
    {
        WriteArrayLength(items.Count, compact);
        var writer = this;
        foreach (var item in items)
        {
            writeItem(ref writer, item, version, compact);
            if (compact)
            {
                WriteEmptyTaggedFields();
            }
        }
    }

    /// <summary>An array of topics, each its name and its partitions (<paramref name="writePartition"/>): the mirror of
    /// <see cref="KafkaReader.ReadTopicArray{TTopic, TPartition}"/>.</summary>
    public void WriteTopicArray<TPartition>(IReadOnlyList<IKafkaTopic<TPartition>> topics, short version, bool compact, KafkaItemWriter<TPartition> writePartition) =>
        WriteArray(topics, version, compact, (ref KafkaWriter writer, IKafkaTopic<TPartition> topic, short v, bool c) =>
        {
            writer.WriteString(topic.Name, c);
            writer.WriteArray(topic.Partitions, v, c, writePartition);
        });

    /// <summary>A non-null array of int32 (a primitive array: no tagged fields per element).</summary>
    public void WriteInt32Array(IReadOnlyList<int> values, bool compact)
    {
        WriteArrayLength(values.Count, compact);
        foreach (var value in values)
        {
            WriteInt32(value);
        }
    }

    /// <summary>An empty tagged-field section (flexible versions only).</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarInt(0);

    private void WriteNullLength(bool compact, bool isString)
    {
        if (compact)
        {
            WriteUnsignedVarInt(0);
        }
        else if (isString)
        {
            WriteInt16(-1);
        }
        else
        {
            WriteInt32(-1);
        }
    }
}

/// <summary>Writes one structure of a Kafka array (<see cref="KafkaWriter.WriteArray{T}"/>) at <paramref name="version"/>;
/// <paramref name="compact"/> is whether the version is flexible. Its tagged fields are the caller's.</summary>
internal delegate void KafkaItemWriter<in T>(ref KafkaWriter writer, T item, short version, bool compact);
