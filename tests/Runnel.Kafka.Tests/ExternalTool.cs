using System.Diagnostics;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>Runs a command-line tool (kcat, node) to completion with optional stdin, bounded in time.</summary>
internal static class ExternalTool
{
    /// <summary>The repository root (where package.json and node_modules are).</summary>
    public static string RepoRoot => RepoPaths.Root;

    /// <summary>The tool's path on PATH; the test fails naming the package to install when it is absent.</summary>
    public static string Require(string tool, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{tool}' is not on PATH: install the Debian package '{package}' (tests/run.sh does).");
    }

    public static async Task<(int Code, string Out, string Err)> RunAsync(string file, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)} did not finish in time. stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
