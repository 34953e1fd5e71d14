using System.Globalization;
using System.Text;
using Runnel.Client;

namespace Runnel.Cli;

/// <summary>
/// A <c>consume --format</c> template: <c>%k</c> key, <c>%v</c> value, <c>%p</c> partition, <c>%o</c> offset,
/// <c>%t</c> timestamp (Unix ms), <c>%h</c> headers (<c>k=v</c>, comma-separated), <c>%T</c> topic, <c>%%</c> a percent
/// sign; escapes <c>\t</c>, <c>\n</c>, <c>\\</c>. Null keys and values print as <c>null</c>. Immutable.
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
                else if (next is 'k' or 'v' or 'p' or 'o' or 't' or 'h' or 'T')
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
                    throw new CliException($"--format: unknown field '%{next}' (use %k %v %p %o %t %h %T or %%).");
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

    public string Render(ConsumeResult<byte[], byte[]> record)
    {
        var output = new StringBuilder();
        foreach (var (field, literal) in _parts)
        {
            switch (field)
            {
                case '\0':
                    output.Append(literal);
                    break;
                case 'k':
                    output.Append(Text(record.Message.Key));
                    break;
                case 'v':
                    output.Append(Text(record.Message.Value));
                    break;
                case 'p':
                    output.Append(record.Partition.ToString(CultureInfo.InvariantCulture));
                    break;
                case 'o':
                    output.Append(record.Offset.ToString(CultureInfo.InvariantCulture));
                    break;
                case 't':
                    output.Append(record.Message.Timestamp!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                    break;
                case 'T':
                    output.Append(record.Topic);
                    break;
                case 'h':
                    output.AppendJoin(',', (record.Message.Headers ?? []).Select(h => $"{h.Key}={Text(h.Value)}"));
                    break;
            }
        }

        return output.ToString();
    }

    private static string Text(byte[]? bytes) => bytes is null ? "null" : Encoding.UTF8.GetString(bytes);
}
