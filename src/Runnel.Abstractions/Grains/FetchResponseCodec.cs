using System.Buffers;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;
using RunnelPooledBuffer = Runnel.Buffers.PooledBuffer;

namespace Runnel.Grains;

/// <summary>
/// Orleans' serializer for <see cref="FetchResponse"/>: the batches go from the partition log's buffer into the message
/// and come out into one pooled buffer on the receiving side (see <see cref="FetchResponse"/> for who releases what).
/// </summary>
/// <remarks>
/// <para>The field, after Orleans' field header (wire type length-prefixed):</para>
/// <code>
///  +-------------------+---------+----------------+----------------+------------------+-------------+----------------------+---------+
///  | length N (varint) | version | log start (i64)| high wm (i64)  | last stable (i64)| aborted A   | A x (producer id,    | batches |
///  |                   |  1 byte | little-endian  | little-endian  | little-endian    | (i32)       | first, last: 3 i64)  | as is   |
///  +-------------------+---------+----------------+----------------+------------------+-------------+----------------------+---------+
/// </code>
/// <para>Version 1 (before transactions) had no aborted list; it is still read.</para>
/// <para>Writing releases the sender's reference to a pooled buffer behind the batches once they are copied into the
/// message, so a fetch response is serialized at most once (Orleans serializes a response once, for its caller).</para>
/// </remarks>
[RegisterSerializer]
public sealed class FetchResponseCodec : IFieldCodec<FetchResponse>
{
    /// <summary>The format's version byte; a reader refuses any other.</summary>
    private const byte Version = 2;

    /// <summary>Version byte and the three watermarks before the batches (and, from version 2, the aborted list).</summary>
    private const int HeaderBytes = 1 + 3 * sizeof(long);

    /// <summary>Bytes of one aborted transaction.</summary>
    private const int AbortedBytes = 3 * sizeof(long);

    /// <inheritdoc />
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, FetchResponse? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value))
        {
            return;
        }

        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(FetchResponse), WireType.LengthPrefixed);
        var batches = value.Batches;
        var aborted = value.AbortedTransactions;
        writer.WriteVarUInt32((uint)(HeaderBytes + sizeof(int) + aborted.Count * AbortedBytes + batches.Length));
        writer.WriteByte(Version);
        writer.WriteInt64(value.LogStartOffset);
        writer.WriteInt64(value.HighWatermark);
        writer.WriteInt64(value.LastStableOffset);
        writer.WriteInt32(aborted.Count);
        foreach (var transaction in aborted)
        {
            writer.WriteInt64(transaction.ProducerId);
            writer.WriteInt64(transaction.FirstOffset);
            writer.WriteInt64(transaction.LastOffset);
        }

        writer.Write(batches.Span);
        if (RunnelPooledBuffer.TryGetFrom(batches, out var pooled))
        {
            pooled.Release(); // copied into the message: the log's block or cold read may go back to its pool
        }
    }

    /// <inheritdoc />
    public FetchResponse? ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference)
        {
            return ReferenceCodec.ReadReference<FetchResponse, TInput>(ref reader, field);
        }

        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        if (length < HeaderBytes || length > int.MaxValue)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, $"A fetch response declares {length} bytes: not a fetch response of format version {Version}.");
        }

        var version = reader.ReadByte();
        if (version is not (1 or Version))
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, $"A fetch response has format version {version}; this side reads versions 1 and {Version} (client and silo versions differ).");
        }

        var logStart = reader.ReadInt64();
        var highWatermark = reader.ReadInt64();
        var lastStable = reader.ReadInt64();
        var size = (int)length - HeaderBytes;
        IReadOnlyList<AbortedTransaction> aborted = [];
        if (version >= 2)
        {
            var count = size >= sizeof(int) ? reader.ReadInt32() : -1;
            if (count < 0 || (long)count * AbortedBytes > size - sizeof(int))
            {
                throw new RunnelException(RunnelErrorCode.MalformedMessage, $"A fetch response of {length} bytes declares {count} aborted transactions: it is malformed.");
            }

            size -= sizeof(int) + count * AbortedBytes;
            if (count > 0)
            {
                var list = new AbortedTransaction[count];
                for (var i = 0; i < count; i++)
                {
                    list[i] = new AbortedTransaction(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
                }

                aborted = list;
            }
        }

        ReadOnlyMemory<byte> batches = ReadOnlyMemory<byte>.Empty;
        if (size > 0)
        {
            var buffer = RunnelPooledBuffer.Rent(size);
            reader.ReadBytes(buffer.GetSpan());
            batches = buffer.Memory;
        }

        var result = new FetchResponse(batches, logStart, highWatermark, lastStable) { AbortedTransactions = aborted };
        ReferenceCodec.RecordObject(reader.Session, result);
        return result;
    }
}

/// <summary>Orleans' copier for <see cref="FetchResponse"/>: immutable, so the same instance (with its buffer reference).</summary>
[RegisterCopier]
public sealed class FetchResponseCopier : IDeepCopier<FetchResponse>, IOptionalDeepCopier
{
    /// <inheritdoc />
    public FetchResponse? DeepCopy(FetchResponse? input, CopyContext context) => input;

    /// <inheritdoc />
    public bool IsShallowCopyable() => true;
}
