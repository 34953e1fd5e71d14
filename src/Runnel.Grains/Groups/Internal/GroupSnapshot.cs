using System.Text.Json;

namespace Runnel.Grains.Internal;

/// <summary>
/// A group's whole state as of log offset <see cref="NextOffset"/>, the JSON document in <c>groups/{group}/snapshot</c>.
/// Written every <see cref="RunnelGrainsOptions.GroupSnapshotRecords"/> logged changes, after an activation replayed,
/// and on deactivation, each time If-Match the ETag this activation read or wrote. Activation loads it and replays only
/// the log from <see cref="NextOffset"/> on.
/// <code>
/// {"version":2,"nextOffset":1200,"groupEpoch":7,"target":{...},"members":[...],"offsets":[...],
///  "pending":[{"producerId":7,"producerEpoch":2,"transactionalId":"...","offsets":[...]}],
///  "producerEpochs":[{"producerId":7,"producerEpoch":2}]}
/// </code>
/// Version 2 added <see cref="Pending"/> and <see cref="ProducerEpochs"/> (transactional offsets); version 1 is still
/// read, with neither.
/// </summary>
internal sealed record GroupSnapshot(
    int Version,
    long NextOffset,
    int GroupEpoch,
    TargetAssignment Target,
    IReadOnlyList<GroupMember> Members,
    IReadOnlyList<CommittedOffset> Offsets,
    IReadOnlyList<TransactionalOffsetsPending>? Pending = null,
    IReadOnlyList<TransactionEnded>? ProducerEpochs = null)
{
    public const int CurrentVersion = 2;

    /// <summary>The oldest version this build reads.</summary>
    public const int OldestVersion = 1;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, GrainsJsonContext.Default.GroupSnapshot);

    /// <summary>Parses a snapshot; throws naming the blob when it is not one this build reads (replaying the whole log
    /// instead would be wrong if the log's start was ever trimmed, so the activation fails loudly).</summary>
    public static GroupSnapshot FromJson(ReadOnlySpan<byte> json, string blobName)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.GroupSnapshot) ?? throw new JsonException("null document");
            return snapshot.Version is >= OldestVersion and <= CurrentVersion
                ? snapshot
                : throw new RunnelException(RunnelErrorCode.Unknown, $"Group snapshot '{blobName}' has version {snapshot.Version}; this build reads versions {OldestVersion} to {CurrentVersion}.");
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.Unknown, $"Group snapshot '{blobName}' is not valid: {ex.Message}", ex);
        }
    }
}
