using System.Buffers;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>
/// Walks the records region of a batch (uncompressed bytes) field by field, checking every length against the
/// bytes that hold it, without materialising anything. The one parser behind validation and reading, so the two
/// can never disagree. Allocates only to describe a fault.
/// </summary>
/// <remarks>
/// <code>
///  Record:   length varint (of what follows) | attributes int8 | timestampDelta varlong | offsetDelta varint
///            keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
///            headerCount varint | headers...
///  Header:   keyLength varint (>= 0) | key (UTF-8) | valueLength varint (-1 = null) | value
/// </code>
/// </remarks>
internal static class RecordWalker
{
    /// <summary>Bytes of the smallest record body: attributes, timestampDelta, offsetDelta, keyLength,
    /// valueLength and headerCount, one byte each.</summary>
    public const int MinRecordBodyBytes = 6;

    /// <summary>
    /// Parses the record starting at <paramref name="position"/> of <paramref name="records"/>; on success advances
    /// <paramref name="position"/> past it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> records, ref int position, int index, out RecordLayout layout, out RecordBatchFault fault)
    {
        layout = default;
        var start = position;
        var status = Varint.TryReadInt32(records[position..], out var length, out var n);
        if (status != OperationStatus.Done)
        {
            fault = VarintFault(status, index, "length", start);
            return false;
        }

        var bodyStart = position + n;
        var remaining = records.Length - bodyStart;
        if (length < MinRecordBodyBytes)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} at byte {start} of the records declares a length of {length}; the smallest record takes {MinRecordBodyBytes}.");
            return false;
        }

        if (length > remaining)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} at byte {start} of the records declares {length} bytes but only {remaining} remain.");
            return false;
        }

        var body = records.Slice(bodyStart, length);
        var attributes = body[0];
        var p = 1;

        if (!TryInt64(body, ref p, index, "timestampDelta", bodyStart, out var timestampDelta, out fault)
            || !TryInt32(body, ref p, index, "offsetDelta", bodyStart, out var offsetDelta, out fault)
            || !TryBytes(body, ref p, index, "key", "key length", bodyStart, allowNull: true, out var keyOffset, out var keyLength, out fault)
            || !TryBytes(body, ref p, index, "value", "value length", bodyStart, allowNull: true, out var valueOffset, out var valueLength, out fault)
            || !TryInt32(body, ref p, index, "headerCount", bodyStart, out var headerCount, out fault))
        {
            return false;
        }

        if (headerCount < 0)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} declares {headerCount} headers.");
            return false;
        }

        var headersStart = p;
        for (var h = 0; h < headerCount; h++)
        {
            if (p == body.Length)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                    $"Record {index} declares {headerCount} headers but its {length} bytes end after {h}.");
                return false;
            }

            if (!TryBytes(body, ref p, index, "header key", "header key length", bodyStart, allowNull: false, out _, out _, out fault)
                || !TryBytes(body, ref p, index, "header value", "header value length", bodyStart, allowNull: true, out _, out _, out fault))
            {
                return false;
            }
        }

        if (p != body.Length)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} at byte {start} of the records declares {length} bytes but its fields take {p}.");
            return false;
        }

        layout = new RecordLayout(attributes, timestampDelta, offsetDelta,
            keyLength < 0 ? bodyStart : bodyStart + keyOffset, keyLength,
            valueLength < 0 ? bodyStart : bodyStart + valueOffset, valueLength,
            bodyStart + headersStart, p - headersStart, headerCount);
        position = bodyStart + length;
        fault = default;
        return true;
    }

    /// <summary>
    /// Walks all records of a batch's (uncompressed) records region and checks that there are exactly
    /// <paramref name="recordCount"/> of them, filling the region, with offset deltas that fit <paramref name="mode"/>.
    /// </summary>
    public static bool TryWalk(ReadOnlySpan<byte> records, int recordCount, int lastOffsetDelta, RecordBatchValidationMode mode, out RecordBatchFault fault)
    {
        var position = 0;
        var previousDelta = -1;
        for (var i = 0; i < recordCount; i++)
        {
            if (position == records.Length)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.RecordCountMismatch,
                    $"The header says {recordCount} records but the data holds only {i}.");
                return false;
            }

            if (!TryParse(records, ref position, i, out var layout, out fault))
            {
                return false;
            }

            var delta = layout.OffsetDelta;
            if (mode == RecordBatchValidationMode.Produce ? delta != i : delta <= previousDelta)
            {
                fault = new RecordBatchFault(CorruptRecordBatchReason.OffsetDeltaMismatch, mode == RecordBatchValidationMode.Produce
                    ? $"Record {i} has offsetDelta {delta}; a produced batch numbers its records 0, 1, 2, ..."
                    : $"Record {i} has offsetDelta {delta}, not above the previous record's {previousDelta}.");
                return false;
            }

            previousDelta = delta;
        }

        if (position != records.Length)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.RecordCountMismatch,
                $"The header says {recordCount} records but {records.Length - position} bytes follow the last of them.");
            return false;
        }

        var consistent = mode == RecordBatchValidationMode.Produce
            ? lastOffsetDelta == recordCount - 1
            : lastOffsetDelta >= Math.Max(previousDelta, 0);
        if (!consistent)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.OffsetDeltaMismatch,
                $"lastOffsetDelta is {lastOffsetDelta} but the {recordCount} records end at offsetDelta {previousDelta}.");
            return false;
        }

        fault = default;
        return true;
    }

    private static bool TryInt32(ReadOnlySpan<byte> body, ref int p, int index, string field, int bodyStart, out int value, out RecordBatchFault fault)
    {
        var status = Varint.TryReadInt32(body[p..], out value, out var n);
        if (status != OperationStatus.Done)
        {
            fault = VarintFault(status, index, field, bodyStart + p);
            return false;
        }

        p += n;
        fault = default;
        return true;
    }

    private static bool TryInt64(ReadOnlySpan<byte> body, ref int p, int index, string field, int bodyStart, out long value, out RecordBatchFault fault)
    {
        var status = Varint.TryReadInt64(body[p..], out value, out var n);
        if (status != OperationStatus.Done)
        {
            fault = VarintFault(status, index, field, bodyStart + p);
            return false;
        }

        p += n;
        fault = default;
        return true;
    }

    /// <summary>Reads a length-prefixed byte field; <paramref name="offset"/> is relative to the body. Field names are
    /// literals (no concatenation here) so that the success path allocates nothing.</summary>
    private static bool TryBytes(ReadOnlySpan<byte> body, ref int p, int index, string field, string lengthField, int bodyStart, bool allowNull,
        out int offset, out int length, out RecordBatchFault fault)
    {
        offset = 0;
        if (!TryInt32(body, ref p, index, lengthField, bodyStart, out length, out fault))
        {
            return false;
        }

        if (length < (allowNull ? -1 : 0))
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} has a {field} length of {length}.");
            return false;
        }

        if (length > body.Length - p)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"Record {index} has a {field} of {length} bytes but only {body.Length - p} of the record remain.");
            return false;
        }

        offset = p;
        if (length > 0)
        {
            p += length;
        }

        return true;
    }

    private static RecordBatchFault VarintFault(OperationStatus status, int index, string field, int at) =>
        new(CorruptRecordBatchReason.BadVarint, status == OperationStatus.NeedMoreData
            ? $"Record {index}: the {field} varint at byte {at} of the records is cut off."
            : $"Record {index}: the {field} varint at byte {at} of the records is longer than its type allows.");
}
