using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// Orleans grain calls over loopback TCP: one silo and one cluster client in this process (two hosts), the client on
/// the silo's gateway as a Runnel client is (cluster and service ids, the Runnel call-error filter). Phase 1 keeps
/// <c>--concurrency</c> calls in flight (default 256, each worker on its own grain so mailboxes are not the
/// bottleneck); phase 2 makes one call at a time. Each phase runs for <c>--duration</c> seconds (default 10) or
/// <c>--max-calls</c> calls (default 5,000,000), whichever comes first, after a 1 s warm-up.
/// </summary>
internal static class CallsBenchmark
{
    private const string ClusterId = "bench";

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var duration = TimeSpan.FromSeconds(args.Double("duration", 10));
        var concurrency = args.Int("concurrency", 256);
        var maxCalls = args.Int("max-calls", 5_000_000);

        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var siloBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        siloBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        siloBuilder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: RunnelCluster.ServiceId, clusterId: ClusterId);
            silo.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        });
        using var siloHost = siloBuilder.Build();
        await siloHost.StartAsync();

        var clientBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        clientBuilder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPort, serviceId: RunnelCluster.ServiceId, clusterId: ClusterId);
            client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        });
        using var clientHost = clientBuilder.Build();
        await clientHost.StartAsync();
        var client = clientHost.Services.GetRequiredService<IClusterClient>();

        // Validate before timing: a wrong answer would make any figure meaningless.
        var grains = Enumerable.Range(0, concurrency).Select(i => client.GetGrain<IBenchGrain>("g" + i)).ToArray();
        for (var i = 0; i < grains.Length; i++)
        {
            if (await grains[i].EchoAsync(i) != i + 1)
            {
                Console.Error.WriteLine("validation failed: EchoAsync returned a wrong value");
                return 1;
            }
        }

        await MeasureAsync(grains, TimeSpan.FromSeconds(1), maxCalls);
        var parallel = await MeasureAsync(grains, duration, maxCalls);
        var serial = await MeasureAsync(grains[..1], duration, maxCalls);
        await clientHost.StopAsync();
        await siloHost.StopAsync();

        Console.WriteLine($"calls, {concurrency} in flight: {parallel.CallsPerSecond:N0} calls/s, p50 {parallel.P50Us:N1} us, p99 {parallel.P99Us:N1} us ({parallel.Calls:N0} calls in {parallel.Seconds:N1} s)");
        Console.WriteLine($"calls, one at a time:  {serial.CallsPerSecond:N0} calls/s, p50 {serial.P50Us:N1} us, p99 {serial.P99Us:N1} us ({serial.Calls:N0} calls in {serial.Seconds:N1} s)");
        if (args.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["calls_per_sec"] = Math.Round(parallel.CallsPerSecond),
                ["p50_us"] = Math.Round(parallel.P50Us, 1),
                ["p99_us"] = Math.Round(parallel.P99Us, 1),
                ["serial_p50_us"] = Math.Round(serial.P50Us, 1),
                ["serial_p99_us"] = Math.Round(serial.P99Us, 1),
                ["serial_calls_per_sec"] = Math.Round(serial.CallsPerSecond),
                ["concurrency"] = concurrency,
                ["cores"] = Environment.ProcessorCount,
            }));
        }

        return 0;
    }

    private static async Task<Result> MeasureAsync(IBenchGrain[] grains, TimeSpan duration, int maxCalls)
    {
        var perWorker = Math.Max(1, maxCalls / grains.Length);
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var latencies = await Task.WhenAll(grains.Select(grain => Task.Run(async () =>
        {
            var samples = new List<long>(Math.Min(perWorker, 1 << 20));
            while (samples.Count < perWorker)
            {
                var before = Stopwatch.GetTimestamp();
                if (before >= stopAt)
                {
                    break;
                }

                await grain.EchoAsync(samples.Count);
                samples.Add(Stopwatch.GetTimestamp() - before);
            }

            return samples;
        })));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new Result(all.Length, seconds, all.Length / seconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(long[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1_000_000.0 / Stopwatch.Frequency;

    private sealed record Result(int Calls, double Seconds, double CallsPerSecond, double P50Us, double P99Us);
}
