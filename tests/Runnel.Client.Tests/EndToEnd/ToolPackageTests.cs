using System.Diagnostics;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The CLI ships as a .NET tool: what <c>Client/install-tool.sh</c> does, into a temporary tool path.</summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task PackAndInstall_IntoToolPath_RunnelCommandRuns()
    {
        using var dir = new TempDirectory("runnel-tool");
        var packages = Path.Combine(dir.Path, "nupkg");
        var tools = Path.Combine(dir.Path, "tools");
        var config = Path.Combine(dir.Path, "nuget.config");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        await File.WriteAllTextAsync(config,
            $"<configuration><packageSources><clear /><add key=\"local\" value=\"{packages}\" /></packageSources></configuration>");

        // --no-build: the test project's build built the CLI in this configuration already.
        var pack = await RunAsync(ChildProcess.DotnetHost, "pack", Path.Combine(RepoPaths.Root, "Client", "Client.csproj"), "-c", configuration, "--no-build", "-o", packages, "-nologo");
        pack.Code.Should().Be(0, pack.Out + pack.Err);
        Directory.GetFiles(packages, "Runnel.Cli.*.nupkg").Should().ContainSingle();

        var install = await RunAsync(ChildProcess.DotnetHost, "tool", "install", "Runnel.Cli", "--tool-path", tools, "--configfile", config);
        install.Code.Should().Be(0, install.Out + install.Err);

        var help = await RunAsync(Path.Combine(tools, "runnel"), "--help");
        help.Code.Should().Be(0, help.Err);
        help.Out.Should().Contain("topics").And.Contain("produce").And.Contain("consume").And.Contain("groups");
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string fileName, params string[] arguments)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // The tool's launcher finds the runtime through DOTNET_ROOT: the one running this test.
        psi.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(ChildProcess.DotnetHost)!;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(ChildProcess.Guard);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
