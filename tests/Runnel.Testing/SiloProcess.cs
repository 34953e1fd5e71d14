using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Runnel.Runtime;

namespace Runnel.Testing;

/// <summary>
/// A real silo process (<c>Runnel.TestWorker silo</c>) on a file store shared by path, for tests that need a true
/// <c>kill -9</c>. It hosts <see cref="IPlacementTestGrain"/> with small membership timings, prints
/// <c>ready &lt;silo address&gt;</c> once Active, and stops gracefully when its stdin closes.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, SiloAddress address)
    {
        _process = process;
        Address = address;
    }

    public SiloAddress Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a silo of <paramref name="clusterId"/> on the file store at <paramref name="dataDirectory"/>
    /// and waits until it is Active.</summary>
    /// <exception cref="InvalidOperationException">The process exited or did not report ready within <paramref name="timeout"/>.</exception>
    public static async Task<SiloProcess> StartAsync(string dataDirectory, string clusterId, string name, TimeSpan timeout)
    {
        var process = TestWorker.Start("silo", dataDirectory, clusterId, name);
        _ = DrainAsync(process.StandardError);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Silo process {name} exited with {(process.WaitForExit(1000) ? process.ExitCode : -1)} before it was ready.");
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    _ = DrainAsync(process.StandardOutput);
                    return new SiloProcess(process, SiloAddress.Parse(line["ready ".Length..]));
                }
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Silo process {name} did not report ready within {timeout}.");
        }
    }

    /// <summary>SIGKILL: the process ends at once, without any cleanup.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGSTOP: the process freezes with its sockets open; peers' and clients' calls to it hang unanswered.</summary>
    public void Pause()
    {
        Signal(SigStop);

        // kill(2) returns before the process is stopped: wait (bounded) until the kernel reports it stopped, so nothing
        // the caller does next can still be answered by it.
        var started = Environment.TickCount64;
        while (!IsStopped() && Environment.TickCount64 - started < 5_000)
        {
            Thread.Yield();
        }
    }

    /// <summary>True when /proc says the process is stopped (state T).</summary>
    private bool IsStopped()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
            return state.Length > 0 && state[0] is 'T' or 't';
        }
        catch (IOException)
        {
            return true; // gone
        }
    }

    /// <summary>SIGCONT: a paused process runs on.</summary>
    public void Resume() => Signal(SigCont);

    public async ValueTask DisposeAsync()
    {
        Resume();
        Kill();
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is not null)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process is gone.
        }
    }

    private const int SigCont = 18;
    private const int SigStop = 19;

    private void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>For the worker: the line announcing a ready silo.</summary>
    public static string ReadyLine(SiloAddress address) => string.Create(CultureInfo.InvariantCulture, $"ready {address}");
}
