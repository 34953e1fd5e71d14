using System.Globalization;
using Runnel.Log;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.TestWorker;

/// <summary>
/// <c>log-crash DATA_DIR SEED</c>: takes over partition <c>topics/crash/0/</c> on a file store and appends random
/// batches forever, 8 in flight, printing <c>ACK offset hash</c> (flushed) for each acknowledged one. The crash test
/// kills it with SIGKILL at random moments and checks every acknowledged batch afterwards.
/// </summary>
internal static class LogCrashWorker
{
    public static readonly PartitionPaths Partition = new("topics/crash/0/");

    public static async Task<int> RunAsync(string dataDirectory, int seed)
    {
        var store = new FileObjectStore(dataDirectory);
        var log = await PartitionLog.OpenAsync(store, Partition, $"worker-{Environment.ProcessId}", new PartitionLogOptions { SegmentBytes = 64 * 1024 });
        Console.Out.WriteLine("READY");
        Console.Out.Flush();
        var random = new Random(seed);
        var output = Console.Out;
        var gate = new object();
        var inFlight = new List<Task>();
        for (var i = 0; ; i++)
        {
            var batch = SampleBatches.Create(string.Create(CultureInfo.InvariantCulture, $"s{seed}-{i}"), random.Next(1, 20), random.Next(16, 2048));
            inFlight.Add(AppendAndReportAsync(log, batch, output, gate));
            if (inFlight.Count >= 8)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                await done;
            }
        }
    }

    private static async Task AppendAndReportAsync(PartitionLog log, byte[] batch, TextWriter output, object gate)
    {
        var result = await log.AppendAsync(batch);
        var line = string.Create(CultureInfo.InvariantCulture, $"ACK {result.BaseOffset} {SampleBatches.ContentHash(batch)}");
        lock (gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
