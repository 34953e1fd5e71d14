using System.Globalization;
using System.Threading.Channels;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// The cluster vanishes under a client and comes back (a real <c>runnel-silo</c> killed with -9, then started again on
/// the same ports and data): the connection says so (event and log), the CLI says so on stderr, and
/// <c>consume --timeout</c> that idles out while the cluster is unreachable fails with ConnectionLost instead of ending
/// as if it had read everything.
/// </summary>
public sealed class ConnectionLossTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);
    private readonly TempDirectory _data = new("runnel-connection-loss");
    private readonly int _port = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private readonly int _httpPort = FreePort.Next();
    private ChildProcess? _silo;

    private string Bootstrap => $"127.0.0.1:{_port}";

    [Fact]
    public async Task Connection_SiloKilledThenRestarted_RaisesLostThenBackAndWorksAgain()
    {
        await StartSiloAsync();
        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = [Bootstrap], ClientName = "loss" });
        var changes = Channel.CreateUnbounded<ConnectionStateChangedEventArgs>();
        connection.ConnectionStateChanged += (_, change) => changes.Writer.TryWrite(change);
        await connection.Admin.CreateTopicAsync("loss", 1);

        KillSilo();
        var lost = await changes.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        lost.IsConnected.Should().BeFalse();
        lost.Gateways.Should().Be(0);
        connection.IsConnected.Should().BeFalse();

        await StartSiloAsync();
        var back = await changes.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        back.IsConnected.Should().BeTrue("the client reconnects to the restarted silo by itself");
        back.Gateways.Should().BePositive();
        connection.IsConnected.Should().BeTrue();
        await using var producer = connection.CreateProducer<string, string>();
        var delivered = await producer.ProduceAsync("loss", new Message<string, string> { Key = "k", Value = "after" });
        delivered.Offset.Should().Be(0);
        changes.Reader.TryRead(out var extra).Should().BeFalse("one change each way, not {0}", extra?.IsConnected);
    }

    [Fact]
    public async Task CliConsume_SiloKilledThenRestarted_SaysSoOnStderrAndGoesOn()
    {
        await StartSiloAsync();
        (await ChildProcess.RunCliAsync(Bootstrap, null, "topics", "create", "cli-loss", "--partitions", "1")).Code.Should().Be(0);
        (await ChildProcess.RunCliAsync(Bootstrap, "a\nb\n", "produce", "cli-loss")).Code.Should().Be(0);
        using var consume = ChildProcess.Start(ChildProcess.BuiltAssembly("Client", "runnel"),
            ["consume", "cli-loss", "--from-beginning", "--max-messages", "3", "--timeout", "120", "--bootstrap", Bootstrap]);
        await consume.WaitForLineAsync(l => l == "b");

        KillSilo();
        await consume.WaitForErrorLineAsync(l => l.StartsWith("Lost the connection to the cluster (", StringComparison.Ordinal)).WaitAsync(Bound);
        await StartSiloAsync();
        await consume.WaitForErrorLineAsync(l => l.StartsWith("Connected to the cluster again (", StringComparison.Ordinal)).WaitAsync(Bound);
        (await ChildProcess.RunCliAsync(Bootstrap, "c\n", "produce", "cli-loss")).Code.Should().Be(0);

        (await consume.WaitForExitAsync()).Should().Be(0, consume.Stderr);
        consume.Stdout.Split('\n').Should().Equal("a", "b", "c");
    }

    [Fact]
    public async Task CliConsume_TimeoutWhileTheClusterIsUnreachable_FailsWithConnectionLostNotSuccess()
    {
        await StartSiloAsync();
        (await ChildProcess.RunCliAsync(Bootstrap, null, "topics", "create", "gone", "--partitions", "1")).Code.Should().Be(0);
        (await ChildProcess.RunCliAsync(Bootstrap, "a\n", "produce", "gone")).Code.Should().Be(0);
        using var consume = ChildProcess.Start(ChildProcess.BuiltAssembly("Client", "runnel"),
            ["consume", "gone", "--from-beginning", "--timeout", "6", "--bootstrap", Bootstrap]);
        await consume.WaitForLineAsync(l => l == "a");

        KillSilo();

        (await consume.WaitForExitAsync()).Should().Be(1, consume.Stderr);
        consume.Stderr.Should().Contain("Lost the connection to the cluster").And.Contain("error: ConnectionLost:")
            .And.NotContain("Consumed 1 record from gone.");
    }

    private async Task StartSiloAsync()
    {
        _silo = ChildProcess.Start(ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--port", Str(_port), "--silo-port", Str(_siloPort), "--http-port", Str(_httpPort), "--kafka-port", "0"],
            workingDirectory: _data.Path);
        await _silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
    }

    private void KillSilo()
    {
        _silo!.Dispose(); // kill -9
        _silo = null;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _silo?.Dispose();
        _data.Dispose();
    }
}
