namespace Runnel.Cli;

/// <summary>How <c>topics list</c> and <c>groups list</c> print names: one per line on stdout, a JSON array with
/// <c>--json</c>; an empty list says so on stderr (stdout stays empty, so scripts still read nothing), or prints <c>[]</c>.</summary>
internal static class ListOutput
{
    public static async Task WriteAsync(CliIO io, IReadOnlyList<string> names, bool asJson, string whenEmpty)
    {
        if (asJson)
        {
            await io.Out.WriteLineAsync(JsonText.Array(names)).ConfigureAwait(false);
            return;
        }

        if (names.Count == 0)
        {
            await io.Error.WriteLineAsync(whenEmpty).ConfigureAwait(false);
        }

        foreach (var name in names)
        {
            await io.Out.WriteLineAsync(name).ConfigureAwait(false);
        }
    }
}
