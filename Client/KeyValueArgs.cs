namespace Runnel.Cli;

/// <summary>Parses repeatable <c>k=v</c> arguments (<c>--config</c>, <c>--header</c>).</summary>
internal static class KeyValueArgs
{
    /// <exception cref="CliException">An item has no '=' or an empty key; the message names the option and item.</exception>
    public static List<KeyValuePair<string, string>> Parse(IEnumerable<string>? items, string option)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliException($"{option} '{item}' is not key=value.");
            }

            result.Add(new(item[..eq], item[(eq + 1)..]));
        }

        return result;
    }
}
