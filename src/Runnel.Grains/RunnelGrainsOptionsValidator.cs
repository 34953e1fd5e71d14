using Microsoft.Extensions.Options;

namespace Runnel.Grains;

/// <summary>Validates <see cref="RunnelGrainsOptions"/> when the host starts; each failure names the field and its value.</summary>
public sealed class RunnelGrainsOptionsValidator : IValidateOptions<RunnelGrainsOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnelGrainsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ProducerIdBlockSize is < 1 or > 1_000_000)
        {
            failures.Add($"RunnelGrainsOptions.ProducerIdBlockSize must be between 1 and 1000000 (was {options.ProducerIdBlockSize}).");
        }

        if (options.MaxFetchWait < TimeSpan.Zero)
        {
            failures.Add($"RunnelGrainsOptions.MaxFetchWait must not be negative (was {options.MaxFetchWait}).");
        }

        if (options.ConfigRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"RunnelGrainsOptions.ConfigRefreshInterval must be positive (was {options.ConfigRefreshInterval}).");
        }

        if (options.LargeBatchMemoryBytes < 4L * 1024 * 1024)
        {
            failures.Add($"RunnelGrainsOptions.LargeBatchMemoryBytes must be at least 4 MiB (was {options.LargeBatchMemoryBytes}).");
        }

        if (options.DeleteParallelism is < 1 or > 1024)
        {
            failures.Add($"RunnelGrainsOptions.DeleteParallelism must be between 1 and 1024 (was {options.DeleteParallelism}).");
        }

        if (options.GroupHeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add($"RunnelGrainsOptions.GroupHeartbeatInterval must be positive (was {options.GroupHeartbeatInterval}).");
        }

        if (options.GroupSnapshotRecords is < 1 or > 1_000_000)
        {
            failures.Add($"RunnelGrainsOptions.GroupSnapshotRecords must be between 1 and 1000000 (was {options.GroupSnapshotRecords}).");
        }

        if (options.GroupMetadataRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"RunnelGrainsOptions.GroupMetadataRefreshInterval must be positive (was {options.GroupMetadataRefreshInterval}).");
        }

        if (options.RetentionCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"RunnelGrainsOptions.RetentionCheckInterval must be positive (was {options.RetentionCheckInterval}).");
        }

        if (options.TransactionSweepInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"RunnelGrainsOptions.TransactionSweepInterval must be at least 1 s (was {options.TransactionSweepInterval}).");
        }

        if (options.PartitionLog is null)
        {
            failures.Add("RunnelGrainsOptions.PartitionLog must not be null.");
        }
        else
        {
            try
            {
                options.PartitionLog.Validate();
            }
            catch (RunnelException ex)
            {
                failures.Add($"RunnelGrainsOptions.PartitionLog: {ex.Message}");
            }

            if (options.PartitionLog.CheckpointBatchesPerProducer < Internal.ProducerStateTable.RecentBatchLimit)
            {
                // Fewer would let a takeover from a tail checkpoint rebuild a producer with too few recent batches.
                failures.Add($"RunnelGrainsOptions.PartitionLog.CheckpointBatchesPerProducer must be at least {Internal.ProducerStateTable.RecentBatchLimit}, the batches kept per idempotent producer (was {options.PartitionLog.CheckpointBatchesPerProducer}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
