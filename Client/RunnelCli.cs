using System.CommandLine;
using Runnel.Cli.Commands;

namespace Runnel.Cli;

/// <summary>Builds the command tree and runs it. Exit codes (README, "Exit codes"): 0 success; 1 a runtime error (the
/// cluster said no or could not be reached, records failed, a bench missed its own check, a file could not be read);
/// 2 a usage or input error (an unknown command or option, a bad value or combination, a bad input line); 130
/// interrupted.</summary>
internal static class RunnelCli
{
    public const int ExitError = 1;
    public const int ExitUsage = 2;
    public const int ExitInterrupted = 130;

    public static async Task<int> RunAsync(string[] args, CliIO io, CancellationToken cancellationToken = default)
    {
        var root = Build(io);
        var configuration = new InvocationConfiguration { Output = io.Out, Error = io.Error, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            var code = await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
            // System.CommandLine says 1 for its own parse errors (an unknown command, a missing or malformed option),
            // which are usage errors like every other one here.
            return parse.Errors.Count > 0 ? ExitUsage : code;
        }
        catch (CliException ex)
        {
            await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }
        catch (ArgumentException ex)
        {
            await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }
        catch (RunnelException ex)
        {
            await io.Error.WriteLineAsync($"error: {ex.Code}: {ex.Message}").ConfigureAwait(false);
            return ExitError;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or UnauthorizedAccessException)
        {
            await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitError;
        }
        catch (OperationCanceledException)
        {
            await io.Error.WriteLineAsync("interrupted").ConfigureAwait(false);
            return ExitInterrupted;
        }
    }

    internal static RootCommand Build(CliIO io)
    {
        var globals = new GlobalOptions(io);
        var root = new RootCommand("runnel: topics, produce, consume, consumer groups and bench against a Runnel cluster.")
        {
            globals.Bootstrap,
            globals.ClusterId,
            globals.DataDirectory,
        };
        root.Subcommands.Add(TopicsCommands.Build(globals, io));
        root.Subcommands.Add(ProduceCommand.Build(globals, io));
        root.Subcommands.Add(ConsumeCommand.Build(globals, io));
        root.Subcommands.Add(GroupsCommands.Build(globals, io));
        root.Subcommands.Add(TransactionsCommands.Build(globals, io));
        root.Subcommands.Add(BenchCommands.Build(globals, io));
        return root;
    }
}
