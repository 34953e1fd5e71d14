using System.Buffers;
using System.Globalization;
using System.Text;
using Runnel.Client;

namespace Runnel.Cli;

/// <summary>
/// A <c>consume --format</c> template: <c>%k</c> key, <c>%v</c> value, <c>%p</c> partition, <c>%o</c> offset,
/// <c>%t</c> timestamp (Unix ms), <c>%h</c> headers (<c>k=v</c>, comma-separated), <c>%T</c> topic, <c>%K</c> the changelog
/// row kind (<c>+I</c>, <c>-U</c>, <c>+U</c>, <c>-D</c> from the <c>runnel.row-kind</c> header; empty when absent), <c>%%</c> a percent
/// sign; escapes <c>\t</c>, <c>\n</c>, <c>\\</c>. Keys, values and header values are written as their bytes (raw by
/// default: never decoded as text), null ones as <c>null</c>. Immutable.
/// </summary>
internal sealed class RecordFormat
{
    private readonly List<(char Field, string? Literal)> _parts;

    private RecordFormat(List<(char, string?)> parts) => _parts = parts;

    /// <exception cref="CliException">An unknown %-field or escape, or a dangling % or \; the message names it.</exception>
    public static RecordFormat Parse(string format)
    {
        var parts = new List<(char, string?)>();
        var literal = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c is '%' or '\\')
            {
                if (i + 1 >= format.Length)
                {
                    throw new CliException($"--format '{format}' ends with a lone '{c}'.");
                }

                var next = format[++i];
                if (c == '\\')
                {
                    literal.Append(next switch
                    {
                        't' => '\t',
                        'n' => '\n',
                        '\\' => '\\',
                        _ => throw new CliException($"--format: unknown escape '\\{next}' (use \\t, \\n or \\\\)."),
                    });
                }
                else if (next == '%')
                {
                    literal.Append('%');
                }
                else if (next is 'k' or 'v' or 'p' or 'o' or 't' or 'h' or 'T' or 'K')
                {
                    if (literal.Length > 0)
                    {
                        parts.Add(('\0', literal.ToString()));
                        literal.Clear();
                    }

                    parts.Add((next, null));
                }
                else
                {
                    throw new CliException($"--format: unknown field '%{next}' (use %k %v %p %o %t %h %T %K or %%).");
                }
            }
            else
            {
                literal.Append(c);
            }
        }

        if (literal.Length > 0)
        {
            parts.Add(('\0', literal.ToString()));
        }

        return new RecordFormat(parts);
    }

    /// <summary>Writes <paramref name="record"/> through the template to <paramref name="output"/>: keys, values and
    /// header values as their bytes in <paramref name="encoding"/> (by default exactly as stored), everything else as
    /// UTF-8 text.</summary>
    public void Render(ConsumeResult<byte[], byte[]> record, BinaryEncoding encoding, IBufferWriter<byte> output)
    {
        foreach (var (field, literal) in _parts)
        {
            switch (field)
            {
                case '\0':
                    Text(output, literal);
                    break;
                case 'k':
                    Bytes(output, encoding, record.Message.Key);
                    break;
                case 'v':
                    Bytes(output, encoding, record.Message.Value);
                    break;
                case 'p':
                    Text(output, record.Partition.ToString(CultureInfo.InvariantCulture));
                    break;
                case 'o':
                    Text(output, record.Offset.ToString(CultureInfo.InvariantCulture));
                    break;
                case 't':
                    Text(output, record.Message.Timestamp!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                    break;
                case 'T':
                    Text(output, record.Topic);
                    break;
                case 'K':
                    Text(output, RowKindHeader.ToText(record.RowKind));
                    break;
                case 'h':
                    var first = true;
                    foreach (var header in record.Message.Headers ?? [])
                    {
                        Text(output, first ? header.Key + "=" : "," + header.Key + "=");
                        Bytes(output, encoding, header.Value);
                        first = false;
                    }

                    break;
            }
        }
    }

    private static void Text(IBufferWriter<byte> output, string? text) => Encoding.UTF8.GetBytes(text, output);

    private static void Bytes(IBufferWriter<byte> output, BinaryEncoding encoding, byte[]? bytes)
    {
        if (bytes is null)
        {
            Text(output, "null");
        }
        else
        {
            BinaryEncodings.Write(encoding, bytes, output);
        }
    }
}
