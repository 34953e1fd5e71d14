using System.Diagnostics;
using System.Globalization;
using Runnel.Chaos.Cluster;

namespace Runnel.Chaos.Eos;

/// <summary>
/// The exactly-once job's process slot: starts <c>Runnel.Chaos eos-job</c> (this assembly, through the dotnet host), waits
/// until it has its transactional producer, kills it -9, starts it again. Its output goes to <c>eos-job.log</c>. A job
/// that exits on its own (fenced by a newer instance, or failed) is started again by <see cref="EnsureRunningAsync"/>.
/// </summary>
internal sealed class EosJobProcess(string workingDirectory, IReadOnlyList<string> jobArguments, Workload.RunClock clock) : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly StreamWriter _log = new(Path.Combine(workingDirectory, "eos-job.log"), append: true) { AutoFlush = true };
    private readonly Lock _logGate = new();
    private Process? _process;
    private int _generation;

    /// <summary>How often the nemesis killed the job (the kill that ends the run is not counted).</summary>
    public int Kills { get; private set; }

    public int Starts => _generation;

    public bool IsRunning => _process is { HasExited: false };

    public async Task EnsureRunningAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }

        Drop();
        var generation = ++_generation;
        var psi = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(typeof(EosJob).Assembly.Location);
        psi.ArgumentList.Add(EosJob.Command);
        foreach (var argument in jobArguments)
        {
            psi.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Write(generation, line);
                if (line == EosJob.ReadyLine)
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
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The eos job (generation {generation}) exited before it was ready; see eos-job.log."));
        if (!process.Start())
        {
            throw new InvalidOperationException("Could not start the eos job.");
        }

        ChildProcesses.Add(process);
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Write(generation, string.Create(CultureInfo.InvariantCulture, $"[chaos] run {clock.Now:0.000} s: started pid {process.Id}"));
        try
        {
            await ready.Task.WaitAsync(ReadyTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The eos job (generation {generation}) was not ready within {ReadyTimeout.TotalSeconds:0} s; see eos-job.log.");
        }
    }

    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process.Id, Signals.Kill);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            Write(_generation, string.Create(CultureInfo.InvariantCulture, $"[chaos] run {clock.Now:0.000} s: killed (SIGKILL)"));
        }

        Drop();
    }

    /// <summary>Kills the job -9 every 8–20 s (seeded) and starts it again 0.5–3 s later, until cancelled; a job that
    /// exited on its own is started again too.</summary>
    public async Task RunNemesisAsync(int seed, TextWriter output, CancellationToken cancellationToken)
    {
        var random = new Random(unchecked((seed * 17) + 5));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(8 + (random.NextDouble() * 12)), cancellationToken).ConfigureAwait(false);
                await KillAsync().ConfigureAwait(false);
                Kills++;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  [{clock.Now,7:0.0}s] eos job killed -9 ({Kills})")).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(0.5 + (random.NextDouble() * 2.5)), cancellationToken).ConfigureAwait(false);
                await EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        lock (_logGate)
        {
            _log.Dispose();
        }
    }

    private void Drop()
    {
        if (_process is { } process)
        {
            ChildProcesses.Remove(process);
            process.Dispose();
            _process = null;
        }
    }

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
            }
        }
    }
}
