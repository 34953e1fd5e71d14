using System.Globalization;
using Runnel.Chaos.Checking;
using Runnel.Chaos.Cluster;
using Runnel.Chaos.Compact;
using Runnel.Chaos.Eos;
using Runnel.Chaos.History;
using Runnel.Chaos.Nemesis;
using Runnel.Chaos.Workload;
using Runnel.Client;

namespace Runnel.Chaos;

/// <summary>
/// One chaos run: starts the store and the silos, creates the topic, runs the producers, the consumer and the nemesis
/// for the duration, lets the cluster heal, reads every partition whole, checks the history and reports. Every silo
/// and store process it started is stopped whatever happens (cancellation and exceptions included).
/// </summary>
internal static class ChaosRunner
{
    public const int ExitPassed = 0;
    public const int ExitInvariantFailed = 1;
    public const int ExitInvalidOptions = 2;
    public const int ExitHarnessFailed = 3;

    private const string Topic = "chaos";

    /// <summary>No nemesis action starts in the run's last seconds, so that the slowest one (a pause: up to 12 s frozen,
    /// 15 s zombie grace, a restart) mostly heals within the run and a short CI run stays short.</summary>
    private static readonly TimeSpan NemesisQuietEnd = TimeSpan.FromSeconds(20);

    /// <summary>Producers keep going this long after the cluster healed, so every unavailable window can close.</summary>
    private static readonly TimeSpan ProduceAfterHeal = TimeSpan.FromSeconds(3);

    /// <summary>Longer than the producers' 120 s delivery timeout would be pointless; the healed cluster answers in ms.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan HealTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ChaosOptions.Parse(args, out var error);
        if (options is null)
        {
            await output.WriteLineAsync(error.Length == 0 ? ChaosOptions.Usage : $"runnel-chaos: {error}").ConfigureAwait(false);
            return error.Length == 0 ? ExitPassed : ExitInvalidOptions;
        }

        var runDirectory = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"runnel-chaos-{options.Seed}-{Guid.NewGuid().ToString("N")[..8]}"));
        Directory.CreateDirectory(runDirectory);
        await output.WriteLineAsync(Str($"runnel chaos: {options.Silos} silos, {options.Store} store, {(options.Workload == "compact" ? "manual" : options.Consumer)} consumer, {options.Workload} workload, {options.DurationSeconds} s, seed {options.Seed}, run directory {runDirectory}")).ConfigureAwait(false);
        var passed = false;
        try
        {
            var summary = await RunClusterAsync(options, runDirectory, output, cancellationToken).ConfigureAwait(false);
            passed = summary.Passed;
            if (options.Json)
            {
                await output.WriteLineAsync(summary.ToJson()).ConfigureAwait(false);
            }

            return passed ? ExitPassed : ExitInvariantFailed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync(Str($"runnel chaos: cancelled; every silo stopped. Replay with --seed {options.Seed}.")).ConfigureAwait(false);
            return ExitHarnessFailed;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or RunnelException or IOException)
        {
            await output.WriteLineAsync(Str($"runnel chaos: the harness failed: {ex.Message}\n  replay with --seed {options.Seed}; logs in {runDirectory}")).ConfigureAwait(false);
            return ExitHarnessFailed;
        }
        finally
        {
            ChildProcesses.KillAll();
            if (passed && !options.Keep)
            {
                TryDelete(runDirectory);
            }
        }
    }

    private static async Task<ChaosSummary> RunClusterAsync(ChaosOptions options, string runDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = new RunClock();
        using var producerLogs = new Logging.FileLoggerProvider(Path.Combine(runDirectory, "client-producers.log"), () => clock.Now, Microsoft.Extensions.Logging.LogLevel.Debug);
        using var consumerLogs = new Logging.FileLoggerProvider(Path.Combine(runDirectory, "client-consumer.log"), () => clock.Now, Microsoft.Extensions.Logging.LogLevel.Debug);
        var store = await ChaosStore.StartAsync(options.Store, runDirectory).ConfigureAwait(false);
        await using var storeScope = store.ConfigureAwait(false);
        var compact = options.Workload == "compact";
        var siloEnvironment = compact ? CompactSiloEnvironment : null;
        var silos = Enumerable.Range(0, options.Silos).Select(i => new ChaosSilo(i, runDirectory, store.SiloArguments, clock, siloEnvironment)).ToList();
        try
        {
            // Together: each Orleans silo takes seconds to start (JIT, membership join), and they join one table.
            await Task.WhenAll(silos.Select(s => s.StartAsync(cancellationToken))).ConfigureAwait(false);

            await output.WriteLineAsync(Str($"  [{clock.Now,7:0.0}s] {silos.Count} silos ready on ports {string.Join(", ", silos.Select(s => s.Port))}")).ConfigureAwait(false);
            var connectionOptions = RunnelConnectionOptions.Default with { Bootstrap = [.. silos.Select(s => s.Endpoint)], ClusterId = "chaos", ClientName = "chaos" };
            var producerConnection = await RunnelConnection.ConnectAsync(connectionOptions with { ClientName = "chaos-producers" }, producerLogs, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var producerScope = producerConnection.ConfigureAwait(false);
            var consumerConnection = await RunnelConnection.ConnectAsync(connectionOptions with { ClientName = "chaos-consumer" }, consumerLogs, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var consumerScope = consumerConnection.ConfigureAwait(false);
            await producerConnection.Admin.CreateTopicAsync(Topic, options.Partitions, compact ? CompactTopicConfig : null, cancellationToken).ConfigureAwait(false);
            var eos = options.Workload == "eos"
                ? await StartEosAsync(options, runDirectory, silos, producerConnection, consumerConnection, clock, cancellationToken).ConfigureAwait(false)
                : null;
            await using var eosScope = (eos ?? (IAsyncDisposable)NoEos.Instance).ConfigureAwait(false);

            var recorder = new AttemptRecorder(producerConnection.Grains, clock);
            var workers = Enumerable.Range(0, options.Producers)
                .Select(p => new ProducerWorker(p, recorder, Topic, options.Keys, options.RecordsPerSecond, unchecked((options.Seed * 31) + p + 1), producerLogs, compact ? CompactTombstoneShare : 0))
                .ToList();
            // Compaction removes offsets, so a group's "everything below the commit was delivered" check cannot hold.
            IChaosConsumer consumer = options.Consumer == "manual" || compact
                ? new ManualAssignmentConsumer(consumerConnection.Grains, Topic, options.Partitions)
                : new GroupConsumer(consumerConnection, Topic, options.Partitions, clock);
            await using var consumerLifetime = consumer.ConfigureAwait(false);
            var nemesis = new ChaosNemesis(silos, store, clock, options.Seed, output);
            var memberNemesis = consumer is IGroupMembers members ? new MemberNemesis(members, clock, options.Seed, output) : null;

            using var stopProducing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var stopNemesis = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var duration = TimeSpan.FromSeconds(options.DurationSeconds);
            var maxRecords = (long)options.RecordsPerSecond * (options.DurationSeconds + 120);
            var producing = workers.Select(w => Task.Run(() => w.RunAsync(maxRecords, FlushTimeout, stopProducing.Token), CancellationToken.None)).ToList();
            consumer.Start();
            var runStart = clock.Now;
            stopNemesis.CancelAfter(duration > NemesisQuietEnd * 2 ? duration - NemesisQuietEnd : duration / 2);
            var acting = nemesis.RunAsync(stopNemesis.Token);
            var actingOnMembers = memberNemesis?.RunAsync(stopNemesis.Token) ?? Task.CompletedTask;
            var actingOnJob = eos?.Job.RunNemesisAsync(options.Seed, output, stopNemesis.Token) ?? Task.CompletedTask;
            var cleaner = compact ? new CompactionCleaner(producerConnection.Admin, Topic) : null;
            var cleaning = cleaner?.RunAsync(stopProducing.Token) ?? Task.CompletedTask;

            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
            await acting.ConfigureAwait(false);
            await actingOnMembers.ConfigureAwait(false);
            await actingOnJob.ConfigureAwait(false);
            await Task.Delay(ProduceAfterHeal, cancellationToken).ConfigureAwait(false);
            await stopProducing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(producing).ConfigureAwait(false);
            await cleaning.ConfigureAwait(false);
            var producedSeconds = clock.Now - runStart;
            await output.WriteLineAsync(Str($"  [{clock.Now,7:0.0}s] producers stopped and flushed; reading every partition")).ConfigureAwait(false);

            var offsets = await FinalLogReader.OffsetsAsync(consumerConnection.Admin, Topic, options.Partitions, HealTimeout).ConfigureAwait(false);
            var caughtUp = await consumer.CatchUpAndStopAsync(offsets.Select((o, p) => (p, o.HighWatermark)).ToDictionary(x => x.p, x => x.HighWatermark), HealTimeout).ConfigureAwait(false);
            CompactResult? compactResult = null;
            IReadOnlyList<PartitionLogRead> logs = [];
            var complete = true;
            if (cleaner is not null)
            {
                await output.WriteLineAsync(Str($"  [{clock.Now,7:0.0}s] a last compaction pass of every partition; then reading the topic raw from offset 0")).ConfigureAwait(false);
                compactResult = await FinishCompactAsync(consumerConnection, options.Partitions, [.. workers.SelectMany(w => w.Acks)], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                (logs, complete) = await FinalLogReader.ReadAsync(consumerConnection.Grains, Topic, offsets, ReadTimeout).ConfigureAwait(false);
            }

            EosResult? eosResult = null;
            if (eos is not null)
            {
                await output.WriteLineAsync(Str($"  [{clock.Now,7:0.0}s] waiting for the eos job to commit the whole input; then reading its output")).ConfigureAwait(false);
                eosResult = await FinishEosAsync(eos, offsets, logs, options.Partitions, cancellationToken).ConfigureAwait(false);
            }

            var acks = workers.SelectMany(w => w.Acks).ToList();
            var commits = consumer.Commits;
            var history = new ChaosHistory(acks, logs, consumer.Deliveries, commits);
            // Compacted data has gaps and no longer holds every acknowledged record: the compact checker replaces these.
            var check = compactResult is null ? HistoryChecker.Check(history) : new CheckResult { Acked = acks.Count };
            var windows = FailoverAnalyzer.Windows(recorder.Attempts, nemesis.Events);
            var attributed = windows.Where(w => w.Cause is not null).ToList();
            var stats = FailoverStats.Of(attributed.Select(w => w.Seconds));
            var failures = workers.SelectMany(w => w.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value));
            var summary = new ChaosSummary
            {
                // A group that did not commit up to the end would leave the commit checks vacuous over the tail: it fails.
                Passed = check.Passed && complete && workers.TrueForAll(w => w.Fatal is null) && (commits is null || caughtUp)
                    && (eosResult is null || (eosResult.Check.Passed && eosResult.CaughtUp && eosResult.Output.Open == 0))
                    && (compactResult is null || compactResult.Check.Passed),
                Workload = options.Workload,
                CompactKeys = compactResult?.Check.Keys,
                CompactMissing = compactResult?.Check.Missing,
                CompactStale = compactResult?.Check.Stale,
                CompactWrongValue = compactResult?.Check.WrongValue,
                CompactCrcFailures = compactResult?.Check.CrcFailures,
                CompactOffsetRegressions = compactResult?.Check.OffsetRegressions,
                CompactRecordsLeft = compactResult?.Log.Records.Count,
                CompactionPasses = cleaner?.Passes,
                CompactionRecordsRemoved = cleaner?.RecordsRemoved,
                CompactionFailures = cleaner?.Failures,
                EosMissing = eosResult?.Check.Missing,
                EosDuplicates = eosResult?.Check.Duplicates,
                EosReordered = eosResult?.Check.Reordered,
                AbortedSeen = eosResult?.Check.AbortedSeen,
                EosAbortedRecords = eosResult?.Output.Aborted,
                EosOpenRecords = eosResult?.Output.Open,
                EosCommitted = eosResult?.Output.Committed.Count,
                EosJobKills = eosResult?.JobKills,
                EosCaughtUp = eosResult?.CaughtUp,
                Seed = options.Seed,
                Store = options.Store,
                Silos = options.Silos,
                DurationS = Math.Round(producedSeconds, 1),
                Consumer = consumer.Name,
                Produced = workers.Sum(w => w.Produced),
                Acked = check.Acked,
                DeliveryFailures = failures.Values.Sum(),
                ProducerFatalErrors = workers.Count(w => w.Fatal is not null),
                Lost = compactResult is null ? check.Lost : null,
                Misplaced = compactResult is null ? check.Misplaced : null,
                Duplicates = compactResult is null ? check.Duplicates : null,
                Reordered = compactResult is null ? check.Reordered : null,
                Gaps = compactResult is null ? check.Gaps : null,
                DivergentReads = compactResult is null ? check.DivergentReads : null,
                CommitRegressions = check.CommitRegressions,
                Undelivered = check.Undelivered,
                UnackedPresent = check.UnackedPresent,
                Delivered = history.Deliveries.Count,
                Commits = commits?.Count,
                CommitFailures = consumer.CommitFailures,
                FinalReadComplete = complete,
                ConsumerCaughtUp = caughtUp,
                Kills = nemesis.Events.Count(e => e.Kind == NemesisKind.Kill),
                Pauses = nemesis.Events.Count(e => e.Kind == NemesisKind.Pause),
                Restarts = nemesis.Events.Count(e => e.Kind == NemesisKind.Restart),
                StoreFaults = nemesis.Events.Count(e => e.Kind == NemesisKind.StoreFault),
                MemberCrashes = memberNemesis?.Events.Count(e => e.Kind == NemesisKind.MemberCrash) ?? 0,
                MemberRestarts = memberNemesis?.Events.Count(e => e.Kind == NemesisKind.MemberRestart) ?? 0,
                SurvivingZombies = nemesis.SurvivingZombies,
                FencedZombies = nemesis.FencedZombies,
                UnexpectedExits = nemesis.UnexpectedExits,
                FailoverWindows = stats.Count,
                FailoverP50S = Math.Round(stats.P50Seconds, 3),
                FailoverP99S = Math.Round(stats.P99Seconds, 3),
                FailoverMaxS = Math.Round(stats.MaxSeconds, 3),
                UnattributedWindows = windows.Count - attributed.Count,
            };
            await File.WriteAllLinesAsync(
                Path.Combine(runDirectory, "failover.txt"),
                nemesis.Events.Select(e => Str($"event {e.Kind} silo {e.Silo} {e.StartSeconds:0.000}..{e.EndSeconds:0.000}"))
                    .Concat((memberNemesis?.Events ?? []).Select(e => Str($"event {e.Kind} member {e.Silo} {e.StartSeconds:0.000}..{e.EndSeconds:0.000}")))
                    .Concat(windows.Select(w => Str($"window partition {w.Partition} {w.StartSeconds:0.000}..{w.EndSeconds:0.000} ({w.Seconds:0.000} s) cause {w.Cause?.Kind.ToString() ?? "none"}"))),
                CancellationToken.None).ConfigureAwait(false);
            if (commits is not null)
            {
                await File.WriteAllLinesAsync(
                    Path.Combine(runDirectory, "commits.txt"),
                    commits.Select(c => Str($"commit #{c.Order} at {c.Seconds:0.000} s partition {c.Partition} offset {c.Offset}")),
                    CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var worker in workers.Where(w => w.Fatal is not null))
            {
                await output.WriteLineAsync(Str($"  ! producer {worker.Index} failed for good at {worker.Produced} records: {worker.Fatal!.Code}: {worker.Fatal.Message}")).ConfigureAwait(false);
            }

            await ChaosReport.WriteAsync(output, summary, check, windows, failures, store.SupportsFaults, consumer.Restarts, runDirectory, compactResult?.Check).ConfigureAwait(false);
            return summary;
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The compact workload's topic: segments small enough to roll every second or two (so sealed, cleanable
    /// segments pile up within a short run), any dirty segment cleanable, tombstones dropped 10 s after they are cleaned
    /// (so some expire within the run).</summary>
    private static readonly Dictionary<string, string> CompactTopicConfig = new()
    {
        [Grains.TopicConfig.CleanupPolicy] = "compact",
        [Grains.TopicConfig.SegmentBytes] = "4096",
        [Grains.TopicConfig.MinCleanableDirtyRatio] = "0.01",
        [Grains.TopicConfig.DeleteRetentionMs] = "10000",
    };

    /// <summary>The silos' own cleaner runs on the retention tick; every 4 s instead of every 5 min.</summary>
    private static readonly Dictionary<string, string> CompactSiloEnvironment = new()
    {
        ["Runnel__Grains__RetentionCheckInterval"] = "00:00:04",
    };

    /// <summary>The share of the compact workload's writes that are tombstones.</summary>
    private const double CompactTombstoneShare = 0.1;

    private sealed record CompactResult(CompactCheck Check, CompactLog Log);

    /// <summary>Runs one more compaction pass of every partition on the healed cluster (retried until it succeeds, so the
    /// check also covers a pass over everything written), then reads the topic raw and checks it.</summary>
    private static async Task<CompactResult> FinishCompactAsync(RunnelConnection connection, int partitions, IReadOnlyList<Ack> acks, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(HealTimeout);
        await HealingCluster.RetryAsync(() => connection.Admin.CompactTopicAsync(Topic, deadline.Token), deadline.Token).ConfigureAwait(false);

        var log = await CompactLog.ReadAsync(connection.Grains, Topic, partitions, ReadTimeout).ConfigureAwait(false);
        return new CompactResult(CompactChecker.Check(acks, log), log);
    }

    private const string EosOutputTopic = "chaos-out";

    private const string EosGroup = "chaos-eos";

    /// <summary>The exactly-once workload's parts: the job's process slot and the read_committed reader of its output.</summary>
    private sealed record EosRun(EosJobProcess Job, EosLiveReader Reader, RunnelConnection Connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Reader.DisposeAsync().ConfigureAwait(false);
            await Job.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class NoEos : IAsyncDisposable
    {
        public static readonly NoEos Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed record EosResult(EosCheck Check, EosOutput Output, bool CaughtUp, int JobKills);

    private static async Task<EosRun> StartEosAsync(ChaosOptions options, string runDirectory, IReadOnlyList<ChaosSilo> silos, RunnelConnection admin, RunnelConnection reading, RunClock clock, CancellationToken cancellationToken)
    {
        await admin.Admin.CreateTopicAsync(EosOutputTopic, options.Partitions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var job = new EosJobProcess(runDirectory, [string.Join(',', silos.Select(s => s.Endpoint)), Topic, EosOutputTopic, EosGroup, "chaos-eos-job"], clock);
        await job.EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
        var reader = new EosLiveReader(reading, EosOutputTopic, options.Partitions);
        reader.Start();
        return new EosRun(job, reader, admin);
    }

    /// <summary>Lets the job (started again if the nemesis left it down) commit the whole input, then kills it, stops the
    /// live reader, reads the output as stored and checks it against the input.</summary>
    private static async Task<EosResult> FinishEosAsync(EosRun eos, IReadOnlyList<WatermarkOffsets> inputEnds, IReadOnlyList<PartitionLogRead> input, int partitions, CancellationToken cancellationToken)
    {
        var group = eos.Connection.Grains.GetGrain<Grains.IConsumerGroupGrain>(EosGroup);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(HealTimeout * 2);
        var caughtUp = false;
        while (!deadline.IsCancellationRequested && !caughtUp)
        {
            try
            {
                await eos.Job.EnsureRunningAsync(deadline.Token).ConfigureAwait(false);
                var committed = await group.FetchOffsetsAsync(null, deadline.Token).ConfigureAwait(false);
                caughtUp = Enumerable.Range(0, partitions).All(p =>
                    inputEnds[p].HighWatermark == inputEnds[p].LogStartOffset
                    || committed.Any(c => c.Topic == Topic && c.Partition == p && c.Offset >= inputEnds[p].HighWatermark));
                if (!caughtUp)
                {
                    await Task.Delay(500, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is RunnelException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // the cluster or the job is still healing: look again
            }
        }

        await eos.Job.KillAsync().ConfigureAwait(false);
        await eos.Reader.DisposeAsync().ConfigureAwait(false);
        var output = await EosOutput.ReadAsync(eos.Connection.Grains, EosOutputTopic, partitions, ReadTimeout).ConfigureAwait(false);
        var check = EosChecker.Check(input, output, eos.Reader.Seen);
        return new EosResult(check, output, caughtUp, eos.Job.Kills);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A dying process may hold a file a moment longer; the OS temp cleaner gets the rest.
        }
    }

    private static string Str(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
