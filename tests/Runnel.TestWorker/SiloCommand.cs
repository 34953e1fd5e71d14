using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Runtime;
using Runnel.Testing;

namespace Runnel.TestWorker;

/// <summary>
/// <c>silo &lt;dataDir&gt; &lt;clusterId&gt; &lt;name&gt;</c>: a silo on a free 127.0.0.1 port over the file store at
/// dataDir, hosting <see cref="IPlacementTestGrain"/>, with small membership timings. Prints
/// <c>ready &lt;silo address&gt;</c> once Active; stops gracefully when stdin closes (or dies by SIGKILL).
/// </summary>
internal static class SiloCommand
{
    public static async Task<int> RunAsync(string dataDirectory, string clusterId, string name)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<ActivationJournal>();
        builder.Services
            .AddRunnelSilo(o =>
            {
                o.ClusterId = clusterId;
                o.SiloName = name;
                o.Port = 0;
                o.DataDirectory = dataDirectory;
            })
            .ConfigureMembership(o =>
            {
                o.ProbePeriod = TimeSpan.FromMilliseconds(200);
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.HeartbeatPeriod = TimeSpan.FromMilliseconds(500);
                o.HeartbeatStaleAfter = TimeSpan.FromSeconds(2);
                o.TableRefreshPeriod = TimeSpan.FromSeconds(1);
            })
            .AddGrain<IPlacementTestGrain, PlacementTestGrain>();
        using var host = builder.Build();
        await host.StartAsync();
        Console.Out.WriteLine(SiloProcess.ReadyLine(host.Services.GetRequiredService<RunnelSilo>().Address));
        await Console.Out.FlushAsync();
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        await host.StopAsync();
        return 0;
    }
}
