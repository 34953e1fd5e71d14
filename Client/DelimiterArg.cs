using System.Globalization;
using System.Text;

namespace Runnel.Cli;

/// <summary>Parses a byte-sequence option (<c>produce --delimiter</c>, <c>--key-separator</c>): the option's text as
/// UTF-8, with the escapes <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\0</c>, <c>\\</c> and <c>\xHH</c> (any byte), since a
/// shell makes those awkward to pass as they are.</summary>
internal static class DelimiterArg
{
    /// <exception cref="CliException">Empty, or a bad escape; the message names the option.</exception>
    public static byte[] Parse(string text, string option)
    {
        var bytes = new List<byte>();
        var utf8 = Encoding.UTF8;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                var end = text.IndexOf('\\', i);
                bytes.AddRange(utf8.GetBytes(text[i..(end < 0 ? text.Length : end)]));
                i = (end < 0 ? text.Length : end) - 1;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new CliException($"{option} '{text}' ends with a lone '\\'.");
            }

            var next = text[++i];
            if (next == 'x')
            {
                if (text.Length - i - 1 < 2
                    || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw new CliException($"{option} '{text}': \\x takes two hex digits.");
                }

                bytes.Add(b);
                i += 2;
                continue;
            }

            bytes.Add(next switch
            {
                'n' => (byte)'\n',
                'r' => (byte)'\r',
                't' => (byte)'\t',
                '0' => 0,
                '\\' => (byte)'\\',
                _ => throw new CliException($"{option} '{text}': unknown escape '\\{next}' (use \\n \\r \\t \\0 \\\\ or \\xHH)."),
            });
        }

        return bytes.Count > 0 ? [.. bytes] : throw new CliException($"{option} must not be empty.");
    }
}
