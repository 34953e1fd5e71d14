using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runnel.Chaos;

/// <summary>The run's figures: the JSON line printed with <c>--json</c> (snake_case names).</summary>
internal sealed record ChaosSummary
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public bool Passed { get; init; }

    public int Seed { get; init; }

    public string Store { get; init; } = "";

    public int Silos { get; init; }

    public double DurationS { get; init; }

    public string Consumer { get; init; } = "";

    public long Produced { get; init; }

    public int Acked { get; init; }

    public int DeliveryFailures { get; init; }

    /// <summary>Producers that failed for good (OutOfOrderSequence of their oldest batch, ProducerFenced): the
    /// partitions' idempotence state disagreed with the producer's. Fails the run.</summary>
    public int ProducerFatalErrors { get; init; }

    /// <summary>Null for the compact workload (as <see cref="Misplaced"/>, <see cref="Duplicates"/>,
    /// <see cref="Reordered"/>, <see cref="Gaps"/>, <see cref="DivergentReads"/>): compaction removes records by design.</summary>
    public int? Lost { get; init; }

    public int? Misplaced { get; init; }

    public int? Duplicates { get; init; }

    public int? Reordered { get; init; }

    public int? Gaps { get; init; }

    public int? DivergentReads { get; init; }

    public int? CommitRegressions { get; init; }

    public int? Undelivered { get; init; }

    public int UnackedPresent { get; init; }

    public int Delivered { get; init; }

    /// <summary>Acknowledged group commits (one per partition and commit); null when the consumer is not a group member.</summary>
    public int? Commits { get; init; }

    /// <summary>Group commits that failed or were refused (the next commit carried the positions again).</summary>
    public int CommitFailures { get; init; }

    public bool FinalReadComplete { get; init; }

    public bool ConsumerCaughtUp { get; init; }

    public int Kills { get; init; }

    public int Pauses { get; init; }

    public int Restarts { get; init; }

    public int StoreFaults { get; init; }

    /// <summary>Consumer-group members crashed (no commit, no leave) and replaced.</summary>
    public int MemberCrashes { get; init; }

    /// <summary>Consumer-group members closed gracefully and replaced.</summary>
    public int MemberRestarts { get; init; }

    public int SurvivingZombies { get; init; }

    /// <summary>Paused silos that were gone before their SIGCONT (the old runtime's siblings killed a silo once declared
    /// dead; Orleans does not, so 0 on Orleans).</summary>
    public int FencedZombies { get; init; }

    public int UnexpectedExits { get; init; }

    public int FailoverWindows { get; init; }

    public double FailoverP50S { get; init; }

    public double FailoverP99S { get; init; }

    public double FailoverMaxS { get; init; }

    /// <summary>Windows that opened with no nemesis action to blame (unavailability the cluster caused by itself).</summary>
    public int UnattributedWindows { get; init; }

    /// <summary>The workload: <c>produce</c>, <c>eos</c> or <c>compact</c>.</summary>
    public string Workload { get; init; } = "produce";

    /// <summary>eos: input records absent from the committed output.</summary>
    public int? EosMissing { get; init; }

    /// <summary>eos: committed output records beyond the first copy of their input record.</summary>
    public int? EosDuplicates { get; init; }

    /// <summary>eos: keys whose committed output is not in their input order.</summary>
    public int? EosReordered { get; init; }

    /// <summary>eos: records a read_committed reader of the output handed out that are not committed (aborted or open).</summary>
    public int? AbortedSeen { get; init; }

    /// <summary>eos: output records of aborted transactions (proof that aborts happened and were hidden).</summary>
    public int? EosAbortedRecords { get; init; }

    /// <summary>eos: output records of transactions still open after the run (a hanging transaction).</summary>
    public int? EosOpenRecords { get; init; }

    /// <summary>eos: committed output records.</summary>
    public int? EosCommitted { get; init; }

    /// <summary>eos: how often the job was killed -9.</summary>
    public int? EosJobKills { get; init; }

    /// <summary>eos: whether the job's committed input offsets reached the input's end after the run.</summary>
    public bool? EosCaughtUp { get; init; }

    /// <summary>compact: keys with an acknowledged write.</summary>
    public int? CompactKeys { get; init; }

    /// <summary>compact: keys whose latest acknowledged write was a value and that have no record left.</summary>
    public int? CompactMissing { get; init; }

    /// <summary>compact: keys whose latest surviving record is older than their latest acknowledged write.</summary>
    public int? CompactStale { get; init; }

    /// <summary>compact: keys whose record at their latest acknowledged offset is not that write.</summary>
    public int? CompactWrongValue { get; init; }

    /// <summary>compact: stored batches whose CRC does not match.</summary>
    public int? CompactCrcFailures { get; init; }

    /// <summary>compact: records whose offset is not above the previous one of their partition.</summary>
    public int? CompactOffsetRegressions { get; init; }

    /// <summary>compact: records left in the topic after the run (read raw from offset 0).</summary>
    public int? CompactRecordsLeft { get; init; }

    /// <summary>compact: the harness's compaction passes that cleaned at least one segment (the silos' own cleaner runs
    /// too and is not counted here).</summary>
    public int? CompactionPasses { get; init; }

    /// <summary>compact: records those passes removed.</summary>
    public long? CompactionRecordsRemoved { get; init; }

    /// <summary>compact: the harness's compaction rounds that failed (allowed while silos are hurt).</summary>
    public int? CompactionFailures { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ChaosSummary FromJson(string json) => JsonSerializer.Deserialize<ChaosSummary>(json, JsonOptions)
        ?? throw new FormatException("The summary line is not a JSON object.");
}
