using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Runnel.Testing;

/// <summary>
/// A built .NET program of this repo (runnel-silo, the runnel CLI, the test worker) run as a child process with its
/// output captured line by line, so that tests wait for an output line (an event) rather than sleep. Disposing kills it
/// if it still runs.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    /// <summary>The longest any wait on a child process may take before the test fails instead of hanging.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(List<string> Stream, Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>The assembly a project of this repo builds, in this test's configuration and framework:
    /// <c>{project}/bin/{configuration}/{tfm}/{assembly}.dll</c>.</summary>
    public static string BuiltAssembly(string project, string assembly)
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = baseDirectory.Parent?.Name ?? throw new InvalidOperationException($"Unexpected test output directory {AppContext.BaseDirectory}.");
        var path = Path.Combine(RepoPaths.Root, project, "bin", configuration, baseDirectory.Name, assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assembly} is not built at {path}.", path);
    }

    /// <summary>The dotnet host running this test (the SDK's, when the test runs under <c>dotnet test</c>).</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk)
            ? fromSdk
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? self
                : throw new InvalidOperationException("Cannot find the dotnet host: DOTNET_HOST_PATH is unset and this process is not dotnet.");

    /// <summary>Starts <c>dotnet {assembly} {arguments}</c> in <paramref name="workingDirectory"/> (default: the current
    /// one) with <paramref name="environment"/> added; stdin is redirected when <paramref name="redirectInput"/>.</summary>
    public static ChildProcess Start(string assembly, IEnumerable<string> arguments, string? workingDirectory = null, bool redirectInput = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        return new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {assembly}."));
    }

    /// <summary>Runs the runnel CLI to completion: its exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Out, string Err)> RunCliAsync(string bootstrap, string? stdin, params string[] arguments)
    {
        using var cli = Start(BuiltAssembly("Client", "runnel"), [.. arguments, "--bootstrap", bootstrap], redirectInput: stdin is not null);
        if (stdin is not null)
        {
            await cli._process.StandardInput.WriteAsync(stdin);
            cli._process.StandardInput.Close();
        }

        var code = await cli.WaitForExitAsync();
        return (code, cli.Stdout, cli.Stderr);
    }

    /// <summary>The first stdout line matching <paramref name="match"/> (already printed counts); fails when the process
    /// exits first or after <see cref="Guard"/>.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match) => WaitForLineAsync(_stdout, match);

    /// <summary>As <see cref="WaitForLineAsync(Func{string, bool})"/>, on stderr.</summary>
    public Task<string> WaitForErrorLineAsync(Func<string, bool> match) => WaitForLineAsync(_stderr, match);

    /// <summary>Closes the process's stdin (started with <c>redirectInput</c>): end of input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Writes <paramref name="text"/> to the process's stdin (started with <c>redirectInput</c>).</summary>
    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> WaitForLineAsync(List<string> stream, Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (stream.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _waiters.Add((stream, match, seen));
        }

        var first = await Task.WhenAny(seen.Task, _process.WaitForExitAsync()).WaitAsync(Guard);
        return first == seen.Task
            ? await seen.Task
            : throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before printing the line.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Sends SIGTERM (what Kubernetes and Azure Container Apps send to stop a container).</summary>
    public void Terminate()
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGSTOP: the process freezes with its sockets open and its locks held (a hung process). Dispose
    /// continues it before killing it, so a test never leaves a stopped process behind.</summary>
    public void Pause() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT: a paused process runs on, unaware of what happened meanwhile. A process already gone is left alone.</summary>
    public void Resume()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, SigCont);
        }
    }

    private void Signal(int signal, string name)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Waits for the process to exit (bounded by <see cref="Guard"/>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Guard);
        _process.WaitForExit(); // drains redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Resume(); // a paused process is killed too, but continuing it first leaves nothing stopped if the kill fails
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

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Stream == lines && w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                matched.Add(waiter.Seen);
            }
        }

        foreach (var seen in matched)
        {
            seen.TrySetResult(line);
        }
    }
}
