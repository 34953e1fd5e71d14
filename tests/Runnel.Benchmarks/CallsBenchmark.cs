using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runnel.Client;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// Orleans grain calls over loopback TCP, as a Runnel client makes them: by default the silo runs in a child process
/// (<c>calls-silo</c>, with runnel-silo's runtime settings) and this process calls it through a
/// <see cref="RunnelConnection"/> (its filters, watchdog and options), so each side's CPU per call is measured apart.
/// <c>--silo in-process</c> keeps both hosts in this process, as the first version of this benchmark did. Phase 1 keeps
/// <c>--concurrency</c> calls in flight (default 256, each worker on its own grain so mailboxes are not the
/// bottleneck); phase 2 makes one call at a time. Each phase runs for <c>--duration</c> seconds (default 10) or
/// <c>--max-calls</c> calls (default 5,000,000), whichever comes first, after a 1 s warm-up.
/// </summary>
internal static class CallsBenchmark
{
    private const string ClusterId = "bench";
    private const string Ready = "calls-silo ready";

    /// <summary>runnel-silo's runtime settings (Silo.csproj), which a child started with <c>dotnet</c> does not inherit
    /// from this project: no dynamic PGO, freed memory kept mapped, no spinning of idle pool threads.</summary>
    private static readonly Dictionary<string, string> SiloRuntime = new()
    {
        ["DOTNET_TieredPGO"] = "0",
        ["DOTNET_GCRetainVM"] = "1",
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var duration = TimeSpan.FromSeconds(args.Double("duration", 10));
        var concurrency = args.Int("concurrency", 256);
        var maxCalls = args.Int("max-calls", 5_000_000);
        var mode = args.String("silo", "process");
        if (mode is not ("process" or "in-process"))
        {
            Console.Error.WriteLine($"--silo must be 'process' or 'in-process' (was '{mode}')");
            return 2;
        }

        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        IHost? inProcessSilo = null;
        ChildProcess? siloProcess = null;
        try
        {
            if (mode == "in-process")
            {
                inProcessSilo = await StartSiloAsync(siloPort, gatewayPort);
            }
            else
            {
                siloProcess = ChildProcess.Start(typeof(CallsBenchmark).Assembly.Location,
                    ["calls-silo", "--silo-port", Str(siloPort), "--gateway-port", Str(gatewayPort)], redirectInput: true, environment: SiloRuntime);
                await siloProcess.WaitForLineAsync(l => l == Ready);
            }

            await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with
            {
                Bootstrap = [$"127.0.0.1:{gatewayPort}"],
                ClusterId = ClusterId,
                ClientName = "calls-bench",
            });

            // Validate before timing: a wrong answer would make any figure meaningless.
            var grains = Enumerable.Range(0, concurrency).Select(i => connection.Grains.GetGrain<IBenchGrain>("g" + i)).ToArray();
            for (var i = 0; i < grains.Length; i++)
            {
                if (await grains[i].EchoAsync(i) != i + 1)
                {
                    Console.Error.WriteLine("validation failed: EchoAsync returned a wrong value");
                    return 1;
                }
            }

            await MeasureAsync(grains, TimeSpan.FromSeconds(1), maxCalls, siloProcess);
            var parallel = await MeasureAsync(grains, duration, maxCalls, siloProcess);
            var serial = await MeasureAsync(grains[..1], duration, maxCalls, siloProcess);

            Console.WriteLine($"silo: {(siloProcess is null ? "in this process" : "a child process")}, client: a RunnelConnection, {Environment.ProcessorCount} cores");
            Console.WriteLine($"calls, {concurrency} in flight: {parallel.CallsPerSecond:N0} calls/s, p50 {parallel.P50Us:N1} us, p99 {parallel.P99Us:N1} us ({parallel.Calls:N0} calls in {parallel.Seconds:N1} s); CPU per call: client {parallel.ClientCpuUs:N1} us, silo {Show(parallel.SiloCpuUs)} us");
            Console.WriteLine($"calls, one at a time:  {serial.CallsPerSecond:N0} calls/s, p50 {serial.P50Us:N1} us, p99 {serial.P99Us:N1} us ({serial.Calls:N0} calls in {serial.Seconds:N1} s); CPU per call: client {serial.ClientCpuUs:N1} us, silo {Show(serial.SiloCpuUs)} us");
            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["silo"] = mode,
                    ["calls_per_sec"] = Math.Round(parallel.CallsPerSecond),
                    ["p50_us"] = Math.Round(parallel.P50Us, 1),
                    ["p99_us"] = Math.Round(parallel.P99Us, 1),
                    ["client_cpu_us_per_call"] = Math.Round(parallel.ClientCpuUs, 2),
                    ["silo_cpu_us_per_call"] = parallel.SiloCpuUs is { } s ? Math.Round(s, 2) : null,
                    ["serial_p50_us"] = Math.Round(serial.P50Us, 1),
                    ["serial_p99_us"] = Math.Round(serial.P99Us, 1),
                    ["serial_calls_per_sec"] = Math.Round(serial.CallsPerSecond),
                    ["concurrency"] = concurrency,
                    ["cores"] = Environment.ProcessorCount,
                }));
            }

            return 0;
        }
        finally
        {
            if (siloProcess is not null)
            {
                siloProcess.CloseInput();
                await siloProcess.WaitForExitAsync();
                siloProcess.Dispose();
            }

            if (inProcessSilo is not null)
            {
                await inProcessSilo.StopAsync();
                inProcessSilo.Dispose();
            }
        }
    }

    /// <summary>The silo side of <c>--silo process</c>: one Orleans silo on 127.0.0.1 hosting the bench grain, with the
    /// Runnel call-error filter; prints <see cref="Ready"/>, and stops when its stdin closes.</summary>
    public static async Task<int> RunSiloAsync(BenchArgs args)
    {
        using var silo = await StartSiloAsync(args.Int("silo-port", 0), args.Int("gateway-port", 0));
        Console.WriteLine(Ready);
        await Console.In.ReadToEndAsync();
        await silo.StopAsync();
        return 0;
    }

    private static async Task<IHost> StartSiloAsync(int siloPort, int gatewayPort)
    {
        var siloBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        siloBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        siloBuilder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: RunnelCluster.ServiceId, clusterId: ClusterId);
            silo.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
        });
        var host = siloBuilder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<Result> MeasureAsync(IBenchGrain[] grains, TimeSpan duration, int maxCalls, ChildProcess? silo)
    {
        var perWorker = Math.Max(1, maxCalls / grains.Length);
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var siloCpu = SiloCpu(silo);
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
        var clientUs = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMicroseconds;
        var siloUs = SiloCpu(silo) - siloCpu;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var calls = Math.Max(1, all.Length);
        return new Result(all.Length, seconds, all.Length / seconds, Percentile(all, 0.50), Percentile(all, 0.99),
            clientUs / calls, siloUs is { } s ? s.TotalMicroseconds / calls : null);
    }

    private static TimeSpan? SiloCpu(ChildProcess? silo)
    {
        if (silo is null)
        {
            return null;
        }

        using var process = Process.GetProcessById(silo.Id);
        return process.TotalProcessorTime;
    }

    private static double Percentile(long[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1_000_000.0 / Stopwatch.Frequency;

    private static string Show(double? value) => value is { } v ? v.ToString("N1", CultureInfo.CurrentCulture) : "n/a (same process)";

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Result(int Calls, double Seconds, double CallsPerSecond, double P50Us, double P99Us, double ClientCpuUs, double? SiloCpuUs);
}
