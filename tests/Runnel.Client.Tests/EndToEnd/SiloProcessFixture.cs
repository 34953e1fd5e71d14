using System.Globalization;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>One real <c>runnel-silo</c> (the server's topic, partition and producer-id grains on the file store in a
/// temporary directory) as a child process, on free 127.0.0.1 ports, shared by a test class.</summary>
public sealed class SiloProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("runnel-client-e2e");
    private ChildProcess? _silo;

    public string Bootstrap { get; private set; } = "";

    /// <summary>The silo's process id.</summary>
    public int ProcessId => _silo!.Id;

    /// <summary>The silo's file-store data directory (a client on this host may read it: <see cref="RunnelConnectionOptions.SegmentStore"/>).</summary>
    public string DataDirectory => _data.Path;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var siloPort = FreePort.Next();
        var httpPort = FreePort.Next();
        Bootstrap = $"127.0.0.1:{port}";
        _silo = ChildProcess.Start(ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--port", port.ToString(CultureInfo.InvariantCulture), "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                "--http-port", httpPort.ToString(CultureInfo.InvariantCulture), "--kafka-port", "0"],
            workingDirectory: _data.Path);
        await _silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
    }

    public Task<RunnelConnection> ConnectAsync(IObjectStore? segmentStore = null) =>
        RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [Bootstrap], ClientName = "client-e2e", SegmentStore = segmentStore });

    public Task DisposeAsync()
    {
        _silo?.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}
