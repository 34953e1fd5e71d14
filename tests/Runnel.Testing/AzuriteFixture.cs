using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Runnel.Testing;

/// <summary>
/// Starts Azurite's blob service from the repository's pinned npm package (<c>node_modules/.bin/azurite-blob</c>,
/// installed by <c>npm ci</c>) on a free 127.0.0.1 port with <c>--disableTelemetry</c>, in a temporary
/// directory, and stops it on dispose. Tests never skip when it is missing: they fail, naming the fix.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempDirectory _location = new("azurite");
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>The blob endpoint, e.g. <c>http://127.0.0.1:41234/devstoreaccount1</c>.</summary>
    public string BlobEndpoint { get; private set; } = "";

    /// <summary>A connection string for the emulator's account on this fixture's port.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    public int Port { get; private set; }

    /// <summary>The Azurite (node) process's id, for tests that freeze the store with SIGSTOP/SIGCONT.</summary>
    /// <exception cref="InvalidOperationException">Azurite is not running.</exception>
    public int ProcessId => _process is { HasExited: false } process ? process.Id : throw new InvalidOperationException("Azurite is not running.");

    public async Task InitializeAsync()
    {
        var exe = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException($"Azurite is not installed at {exe}. Run 'npm ci' in {RepoPaths.Root} (tests/run.sh does).");
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Port = FreePort.Next();
            var psi = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = _location.Path,
            };
            foreach (var arg in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", _location.Path, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose" })
            {
                psi.ArgumentList.Add(arg);
            }

            _process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start Azurite.");
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            try
            {
                await WaitForPortAsync(Port, _process, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                BlobEndpoint = $"http://127.0.0.1:{Port}/{AccountName}";
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                last = ex;
                Kill();
            }
        }

        throw new InvalidOperationException($"Azurite did not start: {last?.Message}\n{Output}", last);
    }

    /// <summary>What Azurite printed (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Task DisposeAsync()
    {
        Kill();
        _location.Dispose();
        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    private static async Task WaitForPortAsync(int port, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                // Readiness is "the port accepts connections"; poll it (an external process gives no event to wait on).
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{port} within {timeout.TotalSeconds:0} s.");
    }
}
