using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>How a <see cref="Consumer{TKey, TValue}"/> fetches. Immutable; change with <c>with</c>. Defaults follow the
/// Kafka Java client's.</summary>
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

    /// <summary>Where to start without a position or when the position is out of range. Default <see cref="AutoOffsetReset.Latest"/> (as Kafka).</summary>
    public AutoOffsetReset AutoOffsetReset { get; init; } = AutoOffsetReset.Latest;

    /// <summary>Check each fetched batch's CRC-32C (Kafka <c>check.crcs</c>). Default true.</summary>
    public bool CheckCrcs { get; init; } = true;

    /// <summary>The first wait before fetching again after a retriable error; doubles up to <see cref="RetryBackoffMax"/>.
    /// Default 100 ms.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between fetch retries. Default 1 s.</summary>
    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        OptionChecks.Require(FetchMaxWait >= TimeSpan.Zero, $"ConsumerOptions.FetchMaxWait must not be negative (was {FetchMaxWait}).");
        OptionChecks.Require(FetchMaxBytes >= 1024, $"ConsumerOptions.FetchMaxBytes must be at least 1024 (was {FetchMaxBytes}).");
        OptionChecks.Require(Enum.IsDefined(AutoOffsetReset), $"ConsumerOptions.AutoOffsetReset is not a policy (was {(int)AutoOffsetReset}).");
        OptionChecks.Require(RetryBackoff > TimeSpan.Zero, $"ConsumerOptions.RetryBackoff must be positive (was {RetryBackoff}).");
        OptionChecks.Require(RetryBackoffMax >= RetryBackoff, $"ConsumerOptions.RetryBackoffMax ({RetryBackoffMax}) must be at least RetryBackoff ({RetryBackoff}).");
    }
}
