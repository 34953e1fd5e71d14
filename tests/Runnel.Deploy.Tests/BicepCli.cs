using System.Diagnostics;
using System.Reflection;

namespace Runnel.Deploy.Tests;

/// <summary>The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (downloaded by this project's restore;
/// its path is baked into the assembly). It compiles and lints offline: resource types come with it.</summary>
internal static class BicepCli
{
    public static string Path { get; } = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepCli").Value ?? throw new InvalidOperationException("No BicepCli metadata.");

    /// <summary>Runs <c>bicep <paramref name="arguments"/></c>; its diagnostics (warnings and errors) go to stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        File.Exists(Path).Should().BeTrue("the restore downloads the Bicep CLI to {0}", Path);
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no update checks: the tests run offline.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
