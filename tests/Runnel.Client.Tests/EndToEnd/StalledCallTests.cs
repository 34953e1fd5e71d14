using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Runnel.Grains;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// A call in flight when the silo serving it is killed. Orleans 10.4.2 leaves such a call waiting for its response
/// timeout (dotnet/orleans#10165 and the gateway's own connection): the client's stalled-call watchdog must end it as
/// <see cref="RunnelErrorCode.OutcomeUnknown"/> (retriable) within seconds, so a producer or consumer retries on a live silo.
/// </summary>
public sealed class StalledCallTests : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _data = new("runnel-stalled-call");
    private readonly List<ChildProcess> _silos = [];

    [Fact]
    public async Task LongPollFetch_ItsSiloKilled_EndsAsOutcomeUnknownLongBeforeTheRequestTimeout()
    {
        var (first, _) = await StartSiloAsync();
        var (second, secondSiloPort) = await StartSiloAsync();
        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with
        {
            Bootstrap = [first, second],
            RequestTimeout = RequestTimeout,
            ClientName = "stalled-call",
            ClusterId = "stall",
        });
        var error = await FetchFromTheSecondSiloThenKillItAsync(connection, secondSiloPort);
        error.IsOutcomeUnknown.Should().Be(error.Code == RunnelErrorCode.OutcomeUnknown);
    }

    [Fact]
    public async Task ApplicationsOwnClient_WithAddRunnel_EndsACallToAKilledSiloAsOutcomeUnknown()
    {
        var (first, _) = await StartSiloAsync();
        var (second, secondSiloPort) = await StartSiloAsync();
        // The application's own Orleans client (not a RunnelConnection of Runnel's), prepared with AddRunnel().
        using var host = new HostBuilder().UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. new[] { first, second }.Select(e => System.Net.IPEndPoint.Parse(e))]);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "stall";
                o.ServiceId = RunnelCluster.ServiceId;
            });
            client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = RequestTimeout);
            client.AddRunnel();
        }).Build();
        await host.StartAsync();
        try
        {
            await FetchFromTheSecondSiloThenKillItAsync(host.Services.GetRequiredService<RunnelConnection>(), secondSiloPort);
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(stop.Token);
        }
    }

    /// <summary>A long-poll fetch of an empty partition the second silo serves (in flight for 60 s), then that silo
    /// killed -9: the call must end within 20 s, not at the response timeout, with a retriable error — the watchdog's
    /// OutcomeUnknown, or, when the call went through the live silo's gateway, that silo's own rejection of a message
    /// it could not deliver to the dead one.</summary>
    private async Task<RunnelException> FetchFromTheSecondSiloThenKillItAsync(RunnelConnection connection, int secondSiloPort)
    {
        await connection.Admin.CreateTopicAsync("stall", 8);

        // A partition the second silo serves (both silos are members once they are ready; placement spreads the 8).
        var victim = await PartitionServedByAsync(connection, "stall", 8, $"127.0.0.1:{secondSiloPort}");
        var fetch = connection.Grains.GetGrain<IPartitionGrain>(PartitionKey.Format("stall", victim))
            .FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.FromSeconds(60))).AsTask();
        var killed = _silos[1];
        _silos.RemoveAt(1);
        killed.Dispose(); // kill -9

        var act = () => fetch.WaitAsync(TimeSpan.FromSeconds(20));
        var error = (await act.Should().ThrowAsync<RunnelException>("the watchdog ends it, not the {0} response timeout", RequestTimeout)).Which;
        error.Code.Should().BeOneOf(RunnelErrorCode.OutcomeUnknown, RunnelErrorCode.Rejected);
        error.IsRetriable.Should().BeTrue();
        return error;
    }

    private static async Task<int> PartitionServedByAsync(RunnelConnection connection, string topic, int partitions, string silo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await connection.Admin.GetTopicOffsetsAsync(topic); // activates every partition
            for (var p = 0; p < partitions; p++)
            {
                if (await connection.GetPartitionOwnerAsync(new TopicPartition(topic, p)) == silo)
                {
                    return p;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No partition of {topic} is served by {silo} within 30 s.");
            }

            // Placement happened before the second silo was seen: move on when it is (its partitions hand over).
            await Task.Delay(200);
        }
    }

    private async Task<(string Gateway, int SiloPort)> StartSiloAsync()
    {
        var port = FreePort.Next();
        var siloPort = FreePort.Next();
        var silo = ChildProcess.Start(ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--port", port.ToString(CultureInfo.InvariantCulture), "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                "--http-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--kafka-port", "0", "--cluster", "stall"],
            workingDirectory: _data.Path);
        _silos.Add(silo);
        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        return ($"127.0.0.1:{port}", siloPort);
    }

    public void Dispose()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _data.Dispose();
    }
}
