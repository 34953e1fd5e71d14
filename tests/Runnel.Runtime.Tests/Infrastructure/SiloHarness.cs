using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runnel.Runtime.Client;
using Runnel.Runtime.Tests.Grains;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>
/// One silo in a generic host on a free 127.0.0.1 port (port 0: the OS picks it), hosting every test grain, plus
/// the clients a test connects. Disposing stops everything.
/// </summary>
public sealed class SiloHarness : IAsyncDisposable
{
    private readonly List<RunnelClient> _clients = [];

    private SiloHarness(IHost host, ListLoggerProvider logs)
    {
        Host = host;
        Logs = logs;
        Silo = host.Services.GetRequiredService<RunnelSilo>();
    }

    public IHost Host { get; }

    public RunnelSilo Silo { get; }

    public ListLoggerProvider Logs { get; }

    public IPEndPoint Endpoint => Silo.LocalEndpoint;

    public TestSignals Signals => Host.Services.GetRequiredService<TestSignals>();

    public FakeStateStore Store => Host.Services.GetRequiredService<FakeStateStore>();

    public LifecycleFaults Faults => Host.Services.GetRequiredService<LifecycleFaults>();

    public InterleaveProbe Probe => Host.Services.GetRequiredService<InterleaveProbe>();

    public static async Task<SiloHarness> StartAsync(Action<SiloOptions>? configure = null, TimeProvider? time = null)
    {
        var logs = new ListLoggerProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton<TestSignals>();
        builder.Services.AddSingleton<FakeStateStore>();
        builder.Services.AddSingleton<LifecycleFaults>();
        builder.Services.AddSingleton<InterleaveProbe>();
        builder.Services
            .AddRunnelSilo(o =>
            {
                o.Port = 0;
                o.ClusterId = "test";
                o.SiloName = "silo-under-test";
                configure?.Invoke(o);
            })
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<ITurnGrain, TurnGrain>()
            .AddGrain<ITimerGrain, TimerGrain>()
            .AddGrain<IBehaviorGrain, BehaviorGrain>()
            .AddGrain<ILifecycleGrain, LifecycleGrain>()
            .AddGrain<IInterleaveGrain, InterleaveGrain>();
        var host = builder.Build();
        await host.StartAsync();
        return new SiloHarness(host, logs);
    }

    public RunnelClientOptions ClientOptions(IPEndPoint? endpoint = null) =>
        RunnelClientOptions.Default with { Endpoint = (endpoint ?? Endpoint).ToString(), ClusterId = "test", ClientName = "test-client" };

    /// <summary>Connects a client (to the silo, or to <paramref name="options"/>' endpoint).</summary>
    public async Task<RunnelClient> ConnectAsync(RunnelClientOptions? options = null, TimeProvider? time = null)
    {
        var client = new RunnelClient(options ?? ClientOptions(), loggerFactory: null, timeProvider: time);
        _clients.Add(client);
        await client.ConnectAsync();
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Host.StopAsync();
        Host.Dispose();
    }
}
