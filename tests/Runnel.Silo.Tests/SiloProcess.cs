using Runnel.Testing;

namespace Runnel.Silo.Tests;

/// <summary><c>runnel-silo</c> (the build output of <c>Silo/</c>) as a child process, its output captured line by line.</summary>
public static class SiloProcess
{
    /// <summary>Starts the silo with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, plus
    /// <paramref name="environment"/> variables.</summary>
    public static ChildProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.Start(ChildProcess.BuiltAssembly("Silo", "runnel-silo"), arguments, workingDirectory, environment: environment);
}
