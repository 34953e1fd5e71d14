using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task AddRunnelClient_HostStarts_GrainFactoryFromDependencyInjectionCallsTheSilo()
    {
        await using var silo = await SiloHarness.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddRunnelClient(silo.ClientOptions());
        using var clientHost = builder.Build();
        await clientHost.StartAsync();

        var total = await clientHost.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("hosted").AddAsync(3);
        await clientHost.StopAsync();

        total.Should().Be(3);
    }

    [Fact]
    public async Task StoppedSilo_CallFromAConnectedClient_FailsRetriably()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync(silo.ClientOptions() with { ResponseTimeout = TimeSpan.FromSeconds(2) });
        await client.GetGrain<ICounterGrain>("before").AddAsync(1);

        await silo.Host.StopAsync();
        var call = () => client.GetGrain<ICounterGrain>("before").AddAsync(1).AsTask();

        var error = (await call.Should().ThrowAsync<RunnelException>()).Which;
        error.IsRetriable.Should().BeTrue("the error was {0}: {1}", error.Code, error);
        // Not sent (the client saw the close first) or sent into the closing socket: never a success, never a hang.
        error.Code.Should().BeOneOf([RunnelErrorCode.ConnectionLost, RunnelErrorCode.OutcomeUnknown], "the error was {0}", error);
    }

    [Fact]
    public async Task Start_PortAlreadyTaken_FailsWithAnIOExceptionNamingTheEndpoint()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var start = () => SiloHarness.StartAsync(o => o.Port = port);

        var error = (await start.Should().ThrowAsync<IOException>()).Which;
        error.Message.Should().Contain($"127.0.0.1:{port}");
    }

    [Fact]
    public async Task Start_PortOfAStoppedSilo_BindsAgainAtOnce()
    {
        // A restarted silo comes back on its port (the test cluster and the chaos tool restart silos in place).
        int port;
        await using (var first = await SiloHarness.StartAsync())
        {
            port = first.Endpoint.Port;
            var client = await first.ConnectAsync();
            await client.GetGrain<ICounterGrain>("x").AddAsync(1);
        }

        await using var second = await SiloHarness.StartAsync(o => o.Port = port);
        var again = await second.ConnectAsync();
        (await again.GetGrain<ICounterGrain>("y").AddAsync(2)).Should().Be(2);
    }
}
