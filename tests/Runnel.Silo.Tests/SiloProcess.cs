using System.Diagnostics;
using System.Runtime.InteropServices;
using Runnel.Testing;

namespace Runnel.Silo.Tests;

/// <summary>
/// <c>runnel-silo</c> as a child process (the build output of <c>Silo/</c>), with its output captured line by line so
/// that a test can wait for a log line — an event — instead of sleeping. Disposing kills it if it is still running.
/// </summary>
public sealed partial class SiloProcess : IDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private SiloProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The silo's assembly, built in the same configuration and target framework as this test.</summary>
    public static string AssemblyPath
    {
        get
        {
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = baseDirectory.Parent?.Name ?? throw new InvalidOperationException($"Unexpected test output directory {AppContext.BaseDirectory}.");
            var path = Path.Combine(RepoPaths.Root, "Silo", "bin", configuration, baseDirectory.Name, "runnel-silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"runnel-silo is not built at {path}.", path);
        }
    }

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_waiters)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_waiters)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>Starts the silo with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, plus
    /// <paramref name="environment"/> variables.</summary>
    public static SiloProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk)
            ? fromSdk
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? self
                : throw new InvalidOperationException("Cannot find the dotnet host: DOTNET_HOST_PATH is unset and this process is not dotnet.");
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        return new SiloProcess(Process.Start(psi) ?? throw new InvalidOperationException("Could not start runnel-silo."));
    }

    /// <summary>Completes with the first stdout line matching <paramref name="match"/> (one already printed counts);
    /// fails if the process exits first or after <see cref="HangGuard"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_stdout.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _waiters.Add((match, seen));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited).WaitAsync(HangGuard);
        return first == seen.Task
            ? await seen.Task
            : throw new InvalidOperationException($"runnel-silo exited ({_process.ExitCode}) before printing the line.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Sends SIGTERM (what Kubernetes and ACA send to stop a container).</summary>
    public void Terminate()
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Waits for the process to exit (bounded by <see cref="HangGuard"/>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(HangGuard);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private void OnLine(string? line, List<string> lines)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            lines.Add(line);
            if (lines != _stdout)
            {
                return;
            }

            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }
}
