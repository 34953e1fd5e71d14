namespace Runnel.Cli;

/// <summary>Where the CLI reads and writes, and what it knows of its environment; tests pass their own.</summary>
/// <param name="In">Standard input (records for <c>produce</c>).</param>
/// <param name="Out">Standard output: command results and consumed records only.</param>
/// <param name="Error">Standard error: errors, summaries, progress.</param>
/// <param name="IsErrorTerminal">True when stderr is a terminal: progress is shown there.</param>
/// <param name="IsOutputTerminal">True when stdout is a terminal: tables are drawn.</param>
/// <param name="Environment">Reads an environment variable (RUNNEL_BOOTSTRAP, RUNNEL_CLUSTER_ID).</param>
internal sealed record CliIO(TextReader In, TextWriter Out, TextWriter Error, bool IsOutputTerminal, bool IsErrorTerminal, Func<string, string?> Environment)
{
    public static CliIO System { get; } = new(
        Console.In,
        Console.Out,
        Console.Error,
        !Console.IsOutputRedirected,
        !Console.IsErrorRedirected,
        global::System.Environment.GetEnvironmentVariable);
}
