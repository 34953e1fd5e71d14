using System.Globalization;
using Runnel.Client;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>One real <c>runnel-silo</c> child process on a file store in a temporary directory, with its Kafka
/// listener on a free 127.0.0.1 port, shared by a test class.</summary>
public sealed class KafkaSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("runnel-kafka");
    private ChildProcess? _silo;

    /// <summary>Kafka clients' <c>bootstrap.servers</c>.</summary>
    public string KafkaBootstrap { get; private set; } = "";

    public int KafkaPort { get; private set; }

    /// <summary>The Runnel client's bootstrap (the silo's gateway port).</summary>
    public string RunnelBootstrap { get; private set; } = "";

    public string SiloOutput => (_silo?.Stdout ?? "") + (_silo?.Stderr ?? "");

    public bool HasExited => _silo?.HasExited ?? true;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var siloPort = FreePort.Next();
        var httpPort = FreePort.Next();
        KafkaPort = FreePort.Next();
        RunnelBootstrap = $"127.0.0.1:{port}";
        KafkaBootstrap = $"127.0.0.1:{KafkaPort}";
        _silo = ChildProcess.Start(
            ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--port", Str(port), "--silo-port", Str(siloPort), "--http-port", Str(httpPort), "--kafka-port", Str(KafkaPort), "--cluster", "kafka-tests"],
            workingDirectory: _data.Path);
        await _silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
    }

    public Task<RunnelConnection> ConnectAsync() =>
        RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [RunnelBootstrap], ClientName = "kafka-tests", ClusterId = "kafka-tests" });

    public Task DisposeAsync()
    {
        _silo?.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
