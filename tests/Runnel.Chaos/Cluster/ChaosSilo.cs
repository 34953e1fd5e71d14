using System.Diagnostics;
using System.Globalization;

namespace Runnel.Chaos.Cluster;

/// <summary>
/// One silo slot of the chaos cluster: a <c>runnel-silo</c> process on fixed 127.0.0.1 ports that the nemesis kills,
/// pauses, terminates and starts again (each start is a new process, a new generation of the same silo). Its output
/// goes to <c>silo-{index}.log</c> in the run directory. Not thread-safe: the nemesis drives one action at a time.
/// </summary>
internal sealed class ChaosSilo : IAsyncDisposable
{
    /// <summary>Starting takes the process's JIT and the membership join (a few seconds on a busy 2-core machine).</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory;
    private readonly IReadOnlyList<string> _storeArguments;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private readonly Workload.RunClock? _clock;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    /// <summary>A slot whose processes get <paramref name="environment"/> as extra environment variables (silo settings
    /// such as <c>Runnel__Grains__RetentionCheckInterval</c>; none when null).</summary>
    public ChaosSilo(int index, string workingDirectory, IReadOnlyList<string> storeArguments, Workload.RunClock? clock = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        Index = index;
        _workingDirectory = workingDirectory;
        _storeArguments = storeArguments;
        _clock = clock;
        _environment = environment ?? new Dictionary<string, string>();
        Port = Testing.FreePort.Next();
        SiloPort = Testing.FreePort.Next();
        HttpPort = Testing.FreePort.Next();
        _log = new StreamWriter(Path.Combine(workingDirectory, string.Create(CultureInfo.InvariantCulture, $"silo-{index}.log")), append: true) { AutoFlush = true };
    }

    public int Index { get; }

    /// <summary>The Orleans gateway port (clients' bootstrap).</summary>
    public int Port { get; private set; }

    /// <summary>The silo-to-silo port (Orleans' cluster traffic).</summary>
    public int SiloPort { get; private set; }

    public int HttpPort { get; private set; }

    /// <summary>How many processes this slot has started.</summary>
    public int Generation { get; private set; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts a new process and waits until it logs that it is ready (Active in the cluster, serving). When its
    /// ports were taken meanwhile (it exits at once), it retries on fresh ports, at most three times.</summary>
    /// <exception cref="InvalidOperationException">It never became ready; the message carries its last output.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Silo {Index} is already running.");
        }

        InvalidOperationException? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await StartOnceAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException ex) when (_process is { HasExited: true })
            {
                last = ex;
                DropProcess();
                Port = Testing.FreePort.Next();
                SiloPort = Testing.FreePort.Next();
                HttpPort = Testing.FreePort.Next();
            }
        }

        throw last!;
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            Signals.Send(process.Id, Signals.Continue);
            Signals.Send(process.Id, Signals.Kill);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            Note("killed (SIGKILL)");
            DropProcess();
        }
    }

    /// <summary>SIGSTOP: the process freezes (its sockets stay open, nothing answers): a hung silo.</summary>
    public void Pause()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process.Id, Signals.Stop);
            Note("paused (SIGSTOP)");
        }
    }

    /// <summary>SIGCONT: the frozen process runs on, unaware of what the cluster decided meanwhile.</summary>
    public void Resume()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process.Id, Signals.Continue);
            Note("resumed (SIGCONT)");
        }
    }

    /// <summary>SIGTERM (graceful stop) and waits for the exit; SIGKILL if it has not exited within
    /// <paramref name="grace"/>. Returns the exit code (-1 when it had to be killed).</summary>
    public async Task<int> TerminateAsync(TimeSpan grace)
    {
        if (_process is not { } process)
        {
            return 0;
        }

        Signals.Send(process.Id, Signals.Terminate);
        Note("terminating (SIGTERM)");
        var code = await WaitForExitAsync(grace).ConfigureAwait(false) ? process.ExitCode : -1;
        if (code == -1)
        {
            await KillAsync().ConfigureAwait(false);
        }
        else
        {
            Note(string.Create(CultureInfo.InvariantCulture, $"exited with {code}"));
            DropProcess();
        }

        return code;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the current process to exit (true when it has, or when there
    /// is none).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is not { } process)
        {
            return true;
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Forgets a process that exited on its own (e.g. a zombie that ended itself), noting its exit code.</summary>
    public void ReapIfExited()
    {
        if (_process is { HasExited: true } process)
        {
            Note(string.Create(CultureInfo.InvariantCulture, $"exited on its own with {process.ExitCode}"));
            DropProcess();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync().ConfigureAwait(false);
        }

        lock (_logGate)
        {
            _log.Dispose();
        }
    }

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        Generation++;
        var psi = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _workingDirectory,
        };
        foreach (var (name, value) in _environment)
        {
            psi.Environment[name] = value;
        }

        psi.ArgumentList.Add(DotnetHost.SiloAssembly);
        foreach (var argument in _storeArguments.Concat(
            [
                "--port", Port.ToString(CultureInfo.InvariantCulture),
                "--silo-port", SiloPort.ToString(CultureInfo.InvariantCulture),
                "--http-port", HttpPort.ToString(CultureInfo.InvariantCulture),
                "--kafka-port", "0",
                "--cluster", "chaos",
                "--name", string.Create(CultureInfo.InvariantCulture, $"chaos-{Index}"),
            ]))
        {
            psi.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var generation = Generation;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Write(generation, line);
                if (line.Contains(" ready: ", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Write(generation, "stderr: " + line);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"Silo {Index} (generation {generation}) exited before it was ready; see silo-{Index}.log."));
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start runnel-silo for silo {Index}.");
        }

        ChildProcesses.Add(process);
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Note(string.Create(CultureInfo.InvariantCulture, $"started pid {process.Id} on port {Port}"));
        try
        {
            await ready.Task.WaitAsync(ReadyTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Silo {Index} (generation {generation}) was not ready within {ReadyTimeout.TotalSeconds:0} s; see silo-{Index}.log.");
        }
    }

    private void DropProcess()
    {
        if (_process is { } process)
        {
            ChildProcesses.Remove(process);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>A harness note, stamped with the wall clock (as the silo's own lines) and the run clock (as the
    /// client logs and the report), so the logs of one failover can be lined up.</summary>
    private void Note(string text) => Write(Generation, string.Create(
        CultureInfo.InvariantCulture,
        $"{DateTime.Now:HH:mm:ss.fff} [chaos] run {_clock?.Now ?? double.NaN:0.000} s: {text}"));

    private void Write(int generation, string line)
    {
        lock (_logGate)
        {
            try
            {
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"g{generation} {line}"));
            }
            catch (ObjectDisposedException)
            {
                // Output after the harness closed the log (a dying process's last lines).
            }
        }
    }
}
