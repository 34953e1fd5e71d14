namespace Runnel.Chaos.Cluster;

/// <summary>Where the <c>dotnet</c> host and the built <c>runnel-silo</c> are.</summary>
internal static class DotnetHost
{
    /// <summary>The dotnet host: <c>DOTNET_HOST_PATH</c>, this process when it is dotnet, or <c>dotnet</c> on the PATH.</summary>
    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            if (Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }

            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = System.IO.Path.Combine(directory, "dotnet");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("Cannot find the dotnet host: DOTNET_HOST_PATH is unset, this process is not dotnet, and no dotnet is on the PATH.");
        }
    }

    /// <summary>The silo's assembly, built in the same configuration and target framework as this assembly
    /// (<c>Silo/bin/{configuration}/{tfm}/runnel-silo.dll</c>).</summary>
    /// <exception cref="FileNotFoundException">The silo is not built there.</exception>
    public static string SiloAssembly
    {
        get
        {
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
            var configuration = baseDirectory.Parent?.Name ?? throw new InvalidOperationException($"Unexpected output directory {AppContext.BaseDirectory}.");
            var path = System.IO.Path.Combine(Testing.RepoPaths.Root, "Silo", "bin", configuration, baseDirectory.Name, "runnel-silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"runnel-silo is not built at {path} (build Platform.sln in {configuration}).", path);
        }
    }
}
