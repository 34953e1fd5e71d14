using System.Text;
using Runnel.Cli;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>Runs the runnel CLI in-process (its real command tree, parser and client) with captured output.</summary>
public static class CliRunner
{
    /// <summary>Runs with <paramref name="stdin"/> as UTF-8 and stdout read back as UTF-8.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(string bootstrap, string stdin, params string[] args)
    {
        var (code, output, error) = await RunBytesAsync(bootstrap, Encoding.UTF8.GetBytes(stdin), args);
        return (code, Encoding.UTF8.GetString(output), error);
    }

    /// <summary>Runs with <paramref name="stdin"/> and stdout as bytes, exactly as the process would see them.</summary>
    public static async Task<(int Code, byte[] Out, string Err)> RunBytesAsync(string bootstrap, byte[] stdin, params string[] args)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var io = new CliIO(new MemoryStream(stdin), output, error, false, false, _ => null);
        var code = await RunnelCli.RunAsync([.. args, "--bootstrap", bootstrap], io).WaitAsync(TimeSpan.FromSeconds(30));
        return (code, output.ToArray(), error.ToString());
    }
}
