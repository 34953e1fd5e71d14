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
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk)
            ? fromSdk
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? self
                : throw new InvalidOperationException("Cannot find the dotnet host: DOTNET_HOST_PATH is unset and this process is not dotnet.");
        var psi = new ProcessStartInfo(host)
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
}
