using System.Diagnostics;

namespace Runnel.Testing;

/// <summary>
/// Starts <c>tests/Runnel.TestWorker</c> (built by any test project that references it with
/// <c>ReferenceOutputAssembly=false</c>) as a child process with redirected output, for tests that need another
/// process or an ungraceful kill.
/// </summary>
public static class TestWorker
{
    /// <summary>The worker's assembly, built in the same configuration and target framework as the calling test.</summary>
    public static string AssemblyPath
    {
        get
        {
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = baseDirectory.Name;
            var configuration = baseDirectory.Parent?.Name ?? throw new InvalidOperationException($"Unexpected test output directory {AppContext.BaseDirectory}.");
            var path = Path.Combine(RepoPaths.Root, "tests", "Runnel.TestWorker", "bin", configuration, framework, "Runnel.TestWorker.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"The test worker is not built at {path}: reference tests/Runnel.TestWorker from the test project (ReferenceOutputAssembly=false).", path);
        }
    }

    /// <summary>Starts the worker with <paramref name="arguments"/>; stdin, stdout and stderr are redirected (the caller
    /// reads the outputs; closing stdin asks a long-running worker to stop).</summary>
    public static Process Start(params string[] arguments)
    {
        var psi = new ProcessStartInfo(ChildProcess.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("Could not start the test worker.");
    }

    /// <summary>
    /// Starts the worker with <paramref name="arguments"/>, feeds each complete stdout line to <paramref name="killWhen"/>
    /// until it returns true, waits <paramref name="extraDelay"/> more (the random moment of the kill, not a
    /// synchronization), kills it with SIGKILL and returns every complete line it printed. A line cut by the kill has no
    /// newline and is dropped, so only what the worker finished reporting counts.
    /// </summary>
    /// <exception cref="InvalidOperationException">The worker exited before it was killed (its stderr is in the message).</exception>
    public static async Task<List<string>> RunAndKillAsync(Func<string, bool> killWhen, TimeSpan extraDelay, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(killWhen);
        using var process = Start(arguments);
        var lines = new List<string>();
        var killPoint = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = process.StandardError.ReadToEndAsync();
        var reader = Task.Run(async () =>
        {
            var pending = new System.Text.StringBuilder();
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                pending.Append(buffer, 0, read);
                int newline;
                while ((newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal)) >= 0)
                {
                    var line = pending.ToString(0, newline);
                    pending.Remove(0, newline + 1);
                    lines.Add(line);
                    if (killWhen(line))
                    {
                        killPoint.TrySetResult();
                    }
                }
            }

            killPoint.TrySetResult(); // exited on its own: reported below
        });

        await killPoint.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (extraDelay > TimeSpan.Zero)
        {
            await Task.Delay(extraDelay).ConfigureAwait(false);
        }

        if (process.HasExited)
        {
            throw new InvalidOperationException($"The worker exited with code {process.ExitCode} before it was killed: {await stderr.ConfigureAwait(false)}");
        }

        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await reader.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return lines;
    }
}
