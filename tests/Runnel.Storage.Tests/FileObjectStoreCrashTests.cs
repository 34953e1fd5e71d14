using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>
/// THE crash test: a worker process (<c>Runnel.TestWorker storage-crash</c>) replaces block blobs and appends to
/// append blobs with self-validating content (<see cref="CrashContent"/>), reporting each operation before it starts
/// and after it is acknowledged; the test kills it with SIGKILL at seeded random moments, many times, and after each
/// kill opens the store afresh and checks the invariants against the recorded history:
/// every block blob holds exactly the last acknowledged generation or the one in flight (never a mix or garbage);
/// every acknowledged append is present byte-exact at its offset; nothing beyond the acknowledged blocks plus the one
/// in flight. A failure names the seed and iteration: pin it as a new <c>InlineData</c>.
/// </summary>
public sealed class FileObjectStoreCrashTests
{
    private const int BlockBlobs = 3;
    private const int AppendBlobs = 2;
    private const int MaxIterations = 40;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(20_240_611)]
    public async Task KilledWriter_AtRandomMoments_StoreHoldsOnlyAcknowledgedOrInFlightWrites(int seed)
    {
        using var directory = new TempDirectory("crash");
        var random = new Random(seed);
        var model = new Model();
        var clock = Stopwatch.StartNew();
        var iterations = 0;
        while (iterations < MaxIterations && clock.Elapsed < Budget)
        {
            var killAfterBegun = 1 + random.Next(12);
            var extraDelay = random.Next(3) == 0 ? 0 : random.Next(1, 8);
            var lines = await RunAndKillAsync(directory.Path, random.Next(), killAfterBegun, TimeSpan.FromMilliseconds(extraDelay));
            try
            {
                await model.CheckAsync(new FileObjectStore(directory.Path), lines);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Crash invariant broken after kill {iterations + 1} (seed {seed}): {ex.Message}\nworker output:\n{string.Join('\n', lines)}", ex);
            }

            iterations++;
        }

        iterations.Should().BeGreaterThanOrEqualTo(15, "the test must kill the writer many times within its time budget");
        model.AcknowledgedPuts.Should().BeGreaterThan(10);
        model.AcknowledgedAppends.Should().BeGreaterThan(10);
        model.KillsWithWriteInFlight.Should().BeGreaterThan(iterations / 2, "most kills must land while a write is in flight");
    }

    /// <summary>Runs the worker until it has begun <paramref name="killAfterBegun"/> operations after its <c>ready</c>,
    /// waits <paramref name="extraDelay"/> more, kills it with SIGKILL and returns its complete output lines.</summary>
    private static Task<List<string>> RunAndKillAsync(string dataDirectory, int workerSeed, int killAfterBegun, TimeSpan extraDelay)
    {
        var ready = false;
        var begun = 0;
        return TestWorker.RunAndKillAsync(
            line =>
            {
                ready |= line == "ready";
                return ready && line.StartsWith("B ", StringComparison.Ordinal) && ++begun == killAfterBegun;
            },
            extraDelay,
            "storage-crash",
            dataDirectory,
            workerSeed.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>What the history says the store must hold, carried from kill to kill.</summary>
    private sealed class Model
    {
        private readonly long[] _generations = new long[BlockBlobs];
        private readonly List<long>[] _offsets = [.. Enumerable.Range(0, AppendBlobs).Select(_ => new List<long>())];

        public int AcknowledgedPuts { get; private set; }

        public int AcknowledgedAppends { get; private set; }

        public int KillsWithWriteInFlight { get; private set; }

        public async Task CheckAsync(IObjectStore store, List<string> lines)
        {
            var acknowledgedGeneration = (long[])_generations.Clone();
            var acknowledgedBlocks = _offsets.Select(o => o.Count).ToArray();
            var newOffsets = new Dictionary<(int Blob, long Seq), long>();
            string[]? inFlight = null;
            foreach (var line in lines.Where(l => l != "ready"))
            {
                var f = line.Split(' ');
                var blob = int.Parse(f[2], CultureInfo.InvariantCulture);
                var n = long.Parse(f[3], CultureInfo.InvariantCulture);
                if (f[0] == "B")
                {
                    inFlight.Should().BeNull("the worker begins one operation at a time");
                    var expectedNext = f[1] == "put" ? acknowledgedGeneration[blob] + 1 : acknowledgedBlocks[blob];
                    n.Should().Be(expectedNext, $"the worker resumes from the store's state ({line})");
                    inFlight = f;
                    continue;
                }

                inFlight.Should().Equal(["B", .. f[1..]], $"'{line}' acknowledges the operation begun last");
                inFlight = null;
                if (f[1] == "put")
                {
                    acknowledgedGeneration[blob] = n;
                    AcknowledgedPuts++;
                }
                else
                {
                    acknowledgedBlocks[blob] = (int)n + 1;
                    newOffsets[(blob, n)] = long.Parse(f[4], CultureInfo.InvariantCulture);
                    AcknowledgedAppends++;
                }
            }

            if (inFlight is not null)
            {
                KillsWithWriteInFlight++;
            }

            for (var k = 0; k < BlockBlobs; k++)
            {
                var content = await store.TryGetAsync($"crash/block-{k}");
                var observed = content is null ? 0 : CrashContent.ParseBlockBlob(k, content.Content.Span);
                var inFlightGeneration = inFlight is ["B", "put", var putBlob, var g] && int.Parse(putBlob, CultureInfo.InvariantCulture) == k ? long.Parse(g, CultureInfo.InvariantCulture) : -1;
                observed.Should().BeOneOf(new[] { acknowledgedGeneration[k], inFlightGeneration }, $"block blob {k} holds the last acknowledged generation or the one in flight");
                _generations[k] = observed;
            }

            for (var a = 0; a < AppendBlobs; a++)
            {
                var content = await store.GetAsync($"crash/append-{a}");
                var offsets = CrashContent.ParseAppendBlob(a, content.Content.Span);
                content.Properties.Length.Should().Be(content.Content.Length);
                content.Properties.CommittedBlockCount.Should().Be(offsets.Count);
                var inFlightHere = inFlight is ["B", "append", var appendBlob, ..] && int.Parse(appendBlob, CultureInfo.InvariantCulture) == a ? 1 : 0;
                offsets.Count.Should().BeGreaterThanOrEqualTo(acknowledgedBlocks[a], $"every acknowledged block of append blob {a} survives");
                offsets.Count.Should().BeLessThanOrEqualTo(acknowledgedBlocks[a] + inFlightHere, $"append blob {a} holds nothing beyond acknowledged blocks and the one in flight");
                for (var i = 0; i < _offsets[a].Count; i++)
                {
                    offsets[i].Should().Be(_offsets[a][i], $"block {i} of append blob {a} stays where it was");
                }

                foreach (var ((_, seq), offset) in newOffsets.Where(p => p.Key.Blob == a))
                {
                    offsets[(int)seq].Should().Be(offset, $"acknowledged block {seq} of append blob {a} is at its acknowledged offset");
                }

                _offsets[a].Clear();
                _offsets[a].AddRange(offsets);
            }
        }
    }
}
