using Runnel.Client.Internal;
using Runnel.Grains;

namespace Runnel.Client;

/// <summary>How a <see cref="Consumer{TKey, TValue}"/> fetches and, with a <see cref="GroupId"/>, how it takes part in its
/// consumer group. Immutable; change with <c>with</c>. Defaults follow the Kafka Java client's except where noted.</summary>
public sealed record ConsumerOptions
{
    /// <summary>The defaults below.</summary>
    public static ConsumerOptions Default { get; } = new();

    /// <summary>How long a fetch waits at the partition when there is nothing new (Kafka <c>fetch.max.wait.ms</c>).
    /// Default 500 ms.</summary>
    public TimeSpan FetchMaxWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The byte budget of one fetch from one partition (Kafka <c>max.partition.fetch.bytes</c>); the partition
    /// returns at least one batch even when that batch is larger. Default 1 MiB.</summary>
    public int FetchMaxBytes { get; init; } = 1024 * 1024;

    /// <summary>Where to start without a position (in a group: a partition with no committed offset) or when the position
    /// is out of range. Default <see cref="AutoOffsetReset.Latest"/> (as Kafka). <see cref="AutoOffsetReset.Error"/> is
    /// Kafka's <c>none</c>.</summary>
    public AutoOffsetReset AutoOffsetReset { get; init; } = AutoOffsetReset.Latest;

    /// <summary>Check each fetched batch's CRC-32C (Kafka <c>check.crcs</c>). Default true.</summary>
    public bool CheckCrcs { get; init; } = true;

    /// <summary>Which records of transactional producers are read (Kafka's <c>isolation.level</c>). The default,
    /// <see cref="IsolationLevel.ReadCommitted"/> (as librdkafka's, and so Confluent.Kafka's), reads only committed
    /// transactions' records, stops before any open transaction's (at the partition's last stable offset) and skips
    /// aborted ones; records outside transactions are read as soon as no open transaction precedes them.
    /// <see cref="IsolationLevel.ReadUncommitted"/> reads everything up to the high watermark.</summary>
    public IsolationLevel IsolationLevel { get; init; } = IsolationLevel.ReadCommitted;

    /// <summary>The first wait before fetching again after a retriable error; doubles up to <see cref="RetryBackoffMax"/>.
    /// Default 100 ms.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between fetch retries. Default 1 s.</summary>
    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The consumer group to join (Kafka <c>group.id</c>); needed by
    /// <see cref="Consumer{TKey, TValue}.Subscribe(IEnumerable{string})"/> and commits. 1–249 characters of
    /// <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c>: the server's rule (<c>GroupIds.IsValid</c>, shared). Default null: no group, partitions are assigned by hand.</summary>
    public string? GroupId { get; init; }

    /// <summary>A static member's stable name (Kafka <c>group.instance.id</c>): a restart with the same instance id within
    /// <see cref="SessionTimeout"/> gets the same partitions back with no rebalance, and closing leaves only temporarily.
    /// Default null (a dynamic member).</summary>
    public string? InstanceId { get; init; }

    /// <summary>This member's client id as the group shows it. Default <c>runnel-consumer</c>.</summary>
    public string ClientId { get; init; } = "runnel-consumer";

    /// <summary>How the group spreads partitions; the first member to join chooses it for the group. Default
    /// <see cref="PartitionAssignmentStrategy.Uniform"/> (sticky and even).</summary>
    public PartitionAssignmentStrategy Assignor { get; init; } = PartitionAssignmentStrategy.Uniform;

    /// <summary>Commit the consumed positions every <see cref="AutoCommitInterval"/> (at the next poll), before a
    /// partition is revoked, and on close (Kafka <c>enable.auto.commit</c>). Default true.</summary>
    public bool EnableAutoCommit { get; init; } = true;

    /// <summary>How often auto-commit commits (Kafka <c>auto.commit.interval.ms</c>). Default 5 s.</summary>
    public TimeSpan AutoCommitInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the group waits for a heartbeat before it takes this member's partitions back (Kafka
    /// <c>session.timeout.ms</c>). Default 10 s — shorter than Kafka's 45 s so a dead consumer's partitions move on
    /// quickly; the heartbeat runs on its own loop, so a slow application does not eat into it (see
    /// <see cref="MaxPollInterval"/>).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the application may go without polling (<see cref="Consumer{TKey, TValue}.ConsumeAsync"/>
    /// asking for the next record) before the group takes the member's partitions back (Kafka
    /// <c>max.poll.interval.ms</c>). The consumer then raises <see cref="Consumer{TKey, TValue}.PartitionsLost"/> and
    /// rejoins at the next poll. Default 5 min.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest closing may take: the last commit and leaving the group. Default 10 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        OptionChecks.Require(FetchMaxWait >= TimeSpan.Zero, $"ConsumerOptions.FetchMaxWait must not be negative (was {FetchMaxWait}).");
        OptionChecks.Require(FetchMaxBytes >= 1024, $"ConsumerOptions.FetchMaxBytes must be at least 1024 (was {FetchMaxBytes}).");
        OptionChecks.Require(Enum.IsDefined(AutoOffsetReset), $"ConsumerOptions.AutoOffsetReset is not a policy (was {(int)AutoOffsetReset}).");
        OptionChecks.Require(RetryBackoff > TimeSpan.Zero, $"ConsumerOptions.RetryBackoff must be positive (was {RetryBackoff}).");
        OptionChecks.Require(RetryBackoffMax >= RetryBackoff, $"ConsumerOptions.RetryBackoffMax ({RetryBackoffMax}) must be at least RetryBackoff ({RetryBackoff}).");
        if (GroupId is not null && !GroupIds.IsValid(GroupId, out var groupIdError))
        {
            throw new ArgumentException($"ConsumerOptions.GroupId: {groupIdError}");
        }

        OptionChecks.Require(InstanceId is null || InstanceId.Length is > 0 and <= 249, "ConsumerOptions.InstanceId must be 1-249 characters when set.");
        OptionChecks.Require(InstanceId is null || GroupId is not null, "ConsumerOptions.InstanceId needs a GroupId.");
        OptionChecks.Require(!string.IsNullOrEmpty(ClientId), "ConsumerOptions.ClientId must not be empty.");
        OptionChecks.Require(Enum.IsDefined(Assignor), $"ConsumerOptions.Assignor is not an assignor (was {(int)Assignor}).");
        OptionChecks.Require(AutoCommitInterval > TimeSpan.Zero, $"ConsumerOptions.AutoCommitInterval must be positive (was {AutoCommitInterval}).");
        OptionChecks.Require(SessionTimeout >= TimeSpan.FromMilliseconds(100), $"ConsumerOptions.SessionTimeout must be at least 100 ms (was {SessionTimeout}).");
        OptionChecks.Require(MaxPollInterval >= TimeSpan.FromMilliseconds(100), $"ConsumerOptions.MaxPollInterval must be at least 100 ms (was {MaxPollInterval}).");
        OptionChecks.Require(CloseTimeout >= TimeSpan.Zero, $"ConsumerOptions.CloseTimeout must not be negative (was {CloseTimeout}).");
    }
}
