using Runnel.Cli;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>Runs the runnel CLI in-process (its real command tree, parser and client) with captured output.</summary>
public static class CliRunner
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string bootstrap, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIO(new StringReader(stdin), output, error, false, false, _ => null);
        var code = await RunnelCli.RunAsync([.. args, "--bootstrap", bootstrap], io).WaitAsync(TimeSpan.FromSeconds(30));
        return (code, output.ToString(), error.ToString());
    }
}
