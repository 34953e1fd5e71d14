using System.Globalization;

namespace Runnel.Cli;

/// <summary>"1 record", "2 records": counts in messages, in English.</summary>
internal static class Plural
{
    public static string Of(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
