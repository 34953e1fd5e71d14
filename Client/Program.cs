namespace Runnel.Cli;

/// <summary>The <c>runnel</c> command: <c>runnel --help</c> lists the commands.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunnelCli.RunAsync(args, CliIO.System);
}
