using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Runnel.Client;
using Runnel.Persistence.Hosting;
using Runnel.Storage;
using Runnel.Streaming.Hosting;
using Runnel.Testing;

namespace Runnel.Benchmarks;

/// <summary>
/// Events per second end to end (first OnNextAsync to last delivery to an implicit subscriber grain) through the Runnel
/// stream provider, next to Orleans' in-memory stream provider (the in-process ceiling) and to Runnel's own produce +
/// consume of the same records, all in one process with one silo on a file store in a temporary directory.
/// <c>--events N</c> (default 20000) of <c>--size B</c> bytes (default 100) over <c>--streams S</c> streams (default 64),
/// each stream's events awaited one after another, the streams concurrently; <c>--partitions P</c> (default 4).
/// </summary>
internal static class StreamsBenchmark
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var events = args.Int("events", 20_000);
        var size = args.Int("size", 100);
        var streams = args.Int("streams", 64);
        var partitions = args.Int("partitions", 4);
        using var directory = new TempDirectory("bench-streams");
        var store = new FileObjectStore(directory.Path);
        using var host = await InProcessSilo.StartAsync(store, silo =>
        {
            silo.AddRunnelGrainStorage("PubSubStore", store);
            silo.AddRunnelStreams("runnel", o => o.AddNamespace(StreamBenchSubscribers.RunnelNamespace, partitions: partitions));
            silo.AddMemoryStreams("memory", c => c.ConfigurePartitioning(partitions));
        });
        try
        {
            var client = host.Services.GetRequiredService<IClusterClient>();
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var results = new Dictionary<string, double>(StringComparer.Ordinal);

            // A warm-up round of each (topic creation, activations, JIT), then the measured one.
            foreach (var round in new[] { "warmup", "measured" })
            {
                var count = round == "warmup" ? Math.Min(events, 2_000) : events;
                results["memory"] = await StreamRateAsync(client, "memory", StreamBenchSubscribers.MemoryNamespace, round, count, streams, payload);
                results["runnel"] = await StreamRateAsync(client, "runnel", StreamBenchSubscribers.RunnelNamespace, round, count, streams, payload);
                results["runnel-client"] = await ClientRateAsync(client, round, count, streams, partitions, payload);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{events} events of {size} B over {streams} streams, {partitions} partitions, one silo, file store"));
            foreach (var (name, rate) in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-14} {rate,10:N0} events/s"));
            }

            if (args.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "streams", ["events"] = events, ["size"] = size, ["streams"] = streams, ["partitions"] = partitions,
                    ["memory_events_per_s"] = Math.Round(results["memory"]), ["runnel_streams_events_per_s"] = Math.Round(results["runnel"]),
                    ["runnel_client_events_per_s"] = Math.Round(results["runnel-client"]),
                }));
            }

            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<double> StreamRateAsync(IClusterClient client, string provider, string ns, string round, int events, int streams, byte[] payload)
    {
        var done = StreamBenchSubscribers.Expect(events);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async s =>
        {
            var stream = client.GetStreamProvider(provider).GetStream<byte[]>(StreamId.Create(ns, $"{round}-{s}"));
            for (var i = s; i < events; i += streams)
            {
                await stream.OnNextAsync(payload);
            }
        }));
        try
        {
            await done.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{provider}: {StreamBenchSubscribers.Remaining} of {events} events not delivered within 2 min");
        }
        return events / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The same records with the Runnel client: the same concurrent per-key produce loops, and one consumer
    /// reading the topic until it has them all.</summary>
    private static async Task<double> ClientRateAsync(IClusterClient client, string round, int events, int streams, int partitions, byte[] payload)
    {
        await using var runnel = RunnelConnection.FromGrainFactory(client);
        var topic = $"bench-client-{round}";
        await runnel.Admin.CreateTopicAsync(topic, partitions);
        await using var producer = runnel.CreateProducer<string, byte[]>();
        await using var consumer = runnel.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)));
        var started = Stopwatch.GetTimestamp();
        var consumed = Task.Run(async () =>
        {
            var seen = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await foreach (var batch in consumer.ConsumeBatchesAsync(timeout.Token))
            {
                foreach (var _ in batch)
                {
                    seen++;
                }

                if (seen >= events)
                {
                    return;
                }
            }
        });
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async s =>
        {
            var message = new Message<string, byte[]> { Key = $"{round}-{s}", Value = payload };
            for (var i = s; i < events; i += streams)
            {
                await producer.ProduceAsync(topic, message);
            }
        }));
        await consumed;
        return events / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}

/// <summary>Implicit subscribers of the bench namespaces: they count events into <see cref="Expect"/>'s countdown (one
/// silo in this process, so a static counter is the cheapest signal).</summary>
internal static class StreamBenchSubscribers
{
    public const string RunnelNamespace = "bench-runnel";
    public const string MemoryNamespace = "bench-memory";
    private static long _remaining;
    private static TaskCompletionSource _done = new();

    public static Task Expect(int events)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _remaining, events);
        return _done.Task;
    }

    public static long Remaining => Interlocked.Read(ref _remaining);

    public static Task OnEventAsync()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }

        return Task.CompletedTask;
    }
}

public interface IStreamBenchSubscriber : global::Orleans.IGrainWithStringKey
{
    Task PingAsync();
}

public abstract class StreamBenchSubscriber(string provider, string ns) : Grain, IStreamBenchSubscriber
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(provider).GetStream<byte[]>(StreamId.Create(ns, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((_, _) => StreamBenchSubscribers.OnEventAsync());
    }

    public Task PingAsync() => Task.CompletedTask;
}

[ImplicitStreamSubscription(StreamBenchSubscribers.RunnelNamespace)]
public sealed class RunnelStreamBenchSubscriber() : StreamBenchSubscriber("runnel", StreamBenchSubscribers.RunnelNamespace);

[ImplicitStreamSubscription(StreamBenchSubscribers.MemoryNamespace)]
public sealed class MemoryStreamBenchSubscriber() : StreamBenchSubscriber("memory", StreamBenchSubscribers.MemoryNamespace);
