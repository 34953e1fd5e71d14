using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Runnel.Log.Batches;

/// <summary>
/// The key and value of a control record that marks the end of a transaction (a commit or abort marker).
/// </summary>
/// <remarks>
/// <code>
///  key   (4 bytes): | version int16 = 0 | type int16 (0 abort, 1 commit) |
///  value (6 bytes): | version int16 = 0 | coordinatorEpoch int32 |
/// </code>
/// Readers accept a higher version whose fields start the same way, as Kafka does.
/// <para>Runnel's transaction coordinator also puts a header on a commit or abort marker: <see cref="ParticipantsHeader"/>,
/// the transaction's id among its producer's and the partitions of the marker's topic that the transaction wrote to
/// (ASCII decimal numbers: <c>id:p,p,...</c>, partitions ascending, e.g. <c>17:0,3,5</c>). Kafka clients read a marker's key and value only and never look at its headers, so markers stay
/// what they expect; a table (<c>RunnelTable</c>) reads the header to apply a transaction spanning partitions in one
/// swap. Markers without it (written before it existed) name no participants.</para>
/// </remarks>
public static class ControlRecords
{
    /// <summary>Bytes of a marker key.</summary>
    public const int KeySize = 4;

    /// <summary>Bytes of a marker value (version 0).</summary>
    public const int ValueSize = 6;

    /// <summary>The key and value version Runnel writes.</summary>
    public const short CurrentVersion = 0;

    /// <summary>Writes a marker key into the first <see cref="KeySize"/> bytes of <paramref name="destination"/>.</summary>
    public static void WriteKey(Span<byte> destination, ControlRecordType type)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentVersion);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)type);
    }

    /// <summary>Writes a marker value into the first <see cref="ValueSize"/> bytes of <paramref name="destination"/>.</summary>
    public static void WriteValue(Span<byte> destination, int coordinatorEpoch)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentVersion);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], coordinatorEpoch);
    }

    /// <summary>Reads the transaction marker a control record carries.</summary>
    /// <exception cref="CorruptRecordBatchException">The key or value is null, too short, has a negative version or an
    /// unknown type (<see cref="CorruptRecordBatchReason.BadControlRecord"/>).</exception>
    public static EndTransactionMarker ReadMarker(in Record record)
    {
        if (record.Key is not { Length: >= KeySize } key || record.Value is not { Length: >= ValueSize } value)
        {
            throw new CorruptRecordBatchException(CorruptRecordBatchReason.BadControlRecord,
                $"Control record at offset {record.Offset}: a marker needs a {KeySize}-byte key and a {ValueSize}-byte value; it has {Describe(record.Key)} and {Describe(record.Value)}.");
        }

        var keyVersion = BinaryPrimitives.ReadInt16BigEndian(key.Span);
        var type = BinaryPrimitives.ReadInt16BigEndian(key.Span[2..]);
        var valueVersion = BinaryPrimitives.ReadInt16BigEndian(value.Span);
        if (keyVersion < 0 || valueVersion < 0 || type is not ((short)ControlRecordType.Abort or (short)ControlRecordType.Commit))
        {
            throw new CorruptRecordBatchException(CorruptRecordBatchReason.BadControlRecord,
                $"Control record at offset {record.Offset}: key version {keyVersion}, type {type}, value version {valueVersion} is not a transaction marker.");
        }

        return new EndTransactionMarker((ControlRecordType)type, BinaryPrimitives.ReadInt32BigEndian(value.Span[2..]));
    }

    /// <summary>The marker type of a control batch's first record, read straight from the stored batch bytes (control
    /// batches are never compressed); null when the batch is compressed or its first record is not a marker.</summary>
    /// <param name="batch">A whole control batch (header and records).</param>
    public static ControlRecordType? TryReadMarkerType(ReadOnlySpan<byte> batch)
    {
        if (batch.Length <= RecordBatch.HeaderSize || RecordBatchHeader.Read(batch).Compression != CompressionCodec.None)
        {
            return null;
        }

        // Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | keyLength varint | key.
        var record = batch[RecordBatch.HeaderSize..];
        if (Varint.TryReadInt32(record, out _, out var read) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        var at = read + 1;
        if (at > record.Length || Varint.TryReadInt64(record[at..], out _, out read) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        at += read;
        if (Varint.TryReadInt32(record[at..], out _, out read) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        at += read;
        if (Varint.TryReadInt32(record[at..], out var keyLength, out read) != System.Buffers.OperationStatus.Done || keyLength < KeySize)
        {
            return null;
        }

        at += read;
        if (at + KeySize > record.Length || BinaryPrimitives.ReadInt16BigEndian(record[at..]) < 0)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadInt16BigEndian(record[(at + 2)..]);
        return type is (short)ControlRecordType.Abort or (short)ControlRecordType.Commit ? (ControlRecordType)type : null;
    }

    /// <summary>The header of a marker naming its transaction and the transaction's participant partitions in the
    /// marker's topic.</summary>
    public const string ParticipantsHeader = "runnel.txn.partitions";

    /// <summary>The <see cref="ParticipantsHeader"/> value: <paramref name="transactionId"/>, then
    /// <paramref name="partitions"/> (sorted, duplicates dropped).</summary>
    public static byte[] EncodeParticipants(long transactionId, IEnumerable<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var list = string.Join(',', partitions.Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
        return Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{transactionId}:{list}"));
    }

    /// <summary>The transaction id and participant partitions a marker's <see cref="ParticipantsHeader"/> names; false
    /// when the record has no such header or its value is not in that form (a marker from elsewhere: nothing known).</summary>
    public static bool TryReadParticipants(in Record record, out long transactionId, out IReadOnlyList<int> partitions)
    {
        transactionId = 0;
        partitions = [];
        foreach (var header in record.Headers)
        {
            if (header.KeyUtf8.Span.SequenceEqual("runnel.txn.partitions"u8) && header.Value is { } value)
            {
                var text = Encoding.ASCII.GetString(value.Span);
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out transactionId))
                {
                    return false;
                }

                var list = new List<int>();
                foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
                    {
                        return false;
                    }

                    list.Add(partition);
                }

                partitions = list;
                return true;
            }
        }

        return false;
    }

    private static string Describe(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? $"{b.Length} bytes" : "null";
}
