using System.Text;

namespace Runnel.Cli;

/// <summary>Where the CLI reads and writes, and what it knows of its environment; tests pass their own.</summary>
/// <param name="In">Standard input as bytes (records for <c>produce</c>, split on the delimiter, never decoded).</param>
/// <param name="Output">Standard output as bytes: consumed records are written here exactly as stored.</param>
/// <param name="Error">Standard error: errors, summaries, progress.</param>
/// <param name="IsErrorTerminal">True when stderr is a terminal: progress is shown there.</param>
/// <param name="IsOutputTerminal">True when stdout is a terminal: tables are drawn.</param>
/// <param name="Environment">Reads an environment variable (RUNNEL_BOOTSTRAP, RUNNEL_CLUSTER_ID).</param>
internal sealed record CliIO(Stream In, Stream Output, TextWriter Error, bool IsOutputTerminal, bool IsErrorTerminal, Func<string, string?> Environment)
{
    /// <summary>Standard output as text (UTF-8, no BOM): command results, tables, help. It flushes on every write, so
    /// text and the raw bytes written to <see cref="Output"/> stay in order.</summary>
    public TextWriter Out { get; } = new StreamWriter(Output, new UTF8Encoding(false), 4096, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };

    public static CliIO System { get; } = new(
        Console.OpenStandardInput(),
        Console.OpenStandardOutput(),
        Console.Error,
        !Console.IsOutputRedirected,
        !Console.IsErrorRedirected,
        global::System.Environment.GetEnvironmentVariable);
}
