using Runnel.Log.Batches;

namespace Runnel.Client;

/// <summary>
/// The record header that carries a changelog record's <see cref="RowKind"/>: key <c>runnel.row-kind</c>, value two
/// ASCII bytes, Flink's short strings: <c>+I</c> insert, <c>-U</c> update-before, <c>+U</c> update-after, <c>-D</c>
/// delete. Text, so a Kafka tool that prints headers shows it as is.
/// </summary>
/// <remarks>A record without the header, or whose value is anything else, has <see cref="RowKind.None"/>; when the
/// header repeats, the last one counts (as <see cref="Headers.TryGetLastValue"/>).</remarks>
public static class RowKindHeader
{
    /// <summary>The header's key.</summary>
    public const string Key = "runnel.row-kind";

    private static readonly byte[] KeyUtf8 = "runnel.row-kind"u8.ToArray();
    private static readonly byte[] InsertText = "+I"u8.ToArray();
    private static readonly byte[] UpdateBeforeText = "-U"u8.ToArray();
    private static readonly byte[] UpdateAfterText = "+U"u8.ToArray();
    private static readonly byte[] DeleteText = "-D"u8.ToArray();

    /// <summary>The header value for <paramref name="kind"/> (a shared array: do not change it).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="RowKind.None"/> or a value the enum does not define.</exception>
    public static byte[] Encode(RowKind kind) => kind switch
    {
        RowKind.Insert => InsertText,
        RowKind.UpdateBefore => UpdateBeforeText,
        RowKind.UpdateAfter => UpdateAfterText,
        RowKind.Delete => DeleteText,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only Insert, UpdateBefore, UpdateAfter and Delete have a header value."),
    };

    /// <summary>The row kind a header value names; <see cref="RowKind.None"/> for a null or unknown value.</summary>
    public static RowKind Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length != 2)
        {
            return RowKind.None;
        }

        return (value[0], value[1]) switch
        {
            ((byte)'+', (byte)'I') => RowKind.Insert,
            ((byte)'-', (byte)'U') => RowKind.UpdateBefore,
            ((byte)'+', (byte)'U') => RowKind.UpdateAfter,
            ((byte)'-', (byte)'D') => RowKind.Delete,
            _ => RowKind.None,
        };
    }

    /// <summary>The row kind of a record with these headers (null for none).</summary>
    public static RowKind Of(Headers? headers) =>
        headers is not null && headers.TryGetLastValue(Key, out var value) && value is not null ? Decode(value) : RowKind.None;

    /// <summary>The row kind of a stored record, read from its headers in place.</summary>
    internal static RowKind Of(in RecordHeaders headers)
    {
        var kind = RowKind.None;
        foreach (var header in headers)
        {
            if (header.KeyUtf8.Span.SequenceEqual(KeyUtf8))
            {
                kind = header.Value is { } value ? Decode(value.Span) : RowKind.None;
            }
        }

        return kind;
    }

    /// <summary>The short text of <paramref name="kind"/> (<c>+I</c>, <c>-U</c>, <c>+U</c>, <c>-D</c>), or empty for
    /// <see cref="RowKind.None"/>: what the CLI's <c>%K</c> prints.</summary>
    public static string ToText(RowKind kind) => kind == RowKind.None ? "" : System.Text.Encoding.ASCII.GetString(Encode(kind));
}
