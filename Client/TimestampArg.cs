using System.Globalization;

namespace Runnel.Cli;

/// <summary>Parses <c>--from-timestamp</c>: ISO-8601 (a time without an offset is UTC) or Unix milliseconds.</summary>
internal static class TimestampArg
{
    /// <exception cref="CliException">Neither form; the message shows both.</exception>
    public static DateTimeOffset Parse(string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }

        throw new CliException($"--from-timestamp '{text}' is neither ISO-8601 (2030-01-01T00:00:00Z) nor Unix milliseconds (1893456000000).");
    }
}
