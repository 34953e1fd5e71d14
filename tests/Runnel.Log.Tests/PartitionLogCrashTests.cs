using System.Diagnostics;
using System.Globalization;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>
/// Crash recovery over a recorded history: a worker process (<c>Runnel.TestWorker log-crash</c>) takes the partition over
/// and appends random batches, 8 in flight, printing each acknowledged (offset, content hash); the test kills it with
/// SIGKILL at seeded random moments, more than 50 times, and after each kill reopens the log and checks that every
/// acknowledged batch is there byte-exact at its offset and that offsets have no gaps. Each reopen is a takeover, so
/// the next worker also fences this one: recovery, fencing and rolls (64 KiB segments) all get exercised.
/// </summary>
public sealed class PartitionLogCrashTests
{
    private const int MinKills = 50;
    private const int MaxKills = 60;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(150);

    [Theory]
    [InlineData(7_340_033)]
    public async Task KilledOwner_AtRandomMoments_EveryAcknowledgedBatchSurvivesAtItsOffset(int seed)
    {
        using var directory = new TempDirectory("logcrash");
        var random = new Random(seed);
        var acknowledged = new Dictionary<long, string>();
        var clock = Stopwatch.StartNew();
        var kills = 0;
        while (kills < MaxKills && clock.Elapsed < Budget)
        {
            var lines = await RunAndKillAsync(directory.Path, random.Next(), killAfterAcks: random.Next(0, 40));
            foreach (var line in lines.Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ');
                acknowledged[long.Parse(parts[1], CultureInfo.InvariantCulture)] = parts[2];
            }

            kills++;
            var log = await PartitionLog.OpenAsync(new FileObjectStore(directory.Path), new PartitionPaths("topics/crash/0/"), "checker");
            try
            {
                await CheckAsync(log, acknowledged);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Invariant broken after kill {kills} (seed {seed}): {ex.Message}", ex);
            }
            finally
            {
                await log.DisposeAsync();
            }
        }

        kills.Should().BeGreaterThanOrEqualTo(MinKills, "the owner must be killed many times within the time budget");
        acknowledged.Count.Should().BeGreaterThan(200);
    }

    private static async Task CheckAsync(PartitionLog log, Dictionary<long, string> acknowledged)
    {
        var seen = new Dictionary<long, string>();
        var expected = log.LogStartOffset;
        while (expected < log.HighWatermark)
        {
            var read = await log.ReadAsync(expected, 1 << 20);
            foreach (var batch in SampleBatches.Split(read.Batches))
            {
                SampleBatches.BaseOffset(batch).Should().Be(expected, "offsets are contiguous");
                seen[expected] = SampleBatches.ContentHash(batch);
                expected += SampleBatches.RecordCount(batch);
            }
        }

        foreach (var (offset, hash) in acknowledged)
        {
            seen.Should().ContainKey(offset, $"offset {offset} was acknowledged");
            seen[offset].Should().Be(hash, $"the batch acknowledged at {offset} must be there unchanged");
        }
    }

    /// <summary>Runs the worker until it has acknowledged <paramref name="killAfterAcks"/> batches after it is ready, kills
    /// it with SIGKILL and returns the complete lines it printed.</summary>
    private static Task<List<string>> RunAndKillAsync(string dataDirectory, int workerSeed, int killAfterAcks)
    {
        var ready = false;
        var acks = 0;
        return TestWorker.RunAndKillAsync(
            line =>
            {
                ready |= line == "READY";
                acks += line.StartsWith("ACK ", StringComparison.Ordinal) ? 1 : 0;
                return ready && acks >= killAfterAcks;
            },
            TimeSpan.Zero,
            "log-crash",
            dataDirectory,
            workerSeed.ToString(CultureInfo.InvariantCulture));
    }
}
