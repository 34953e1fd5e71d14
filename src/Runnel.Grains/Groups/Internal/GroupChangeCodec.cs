using System.Text;
using System.Text.Json;
using Runnel.Log.Batches;

namespace Runnel.Grains.Internal;

/// <summary>
/// How group changes are stored in the group's log: all changes of one grain call in one RecordBatch v2 (so they are
/// durable together or not at all), one record per change, the record key naming the change and the value its JSON:
/// <code>
/// key (UTF-8)       value (JSON)
/// member            GroupMember            the member is now exactly this
/// member-removed    {"memberId":"..."}      the member is gone
/// group-epoch       {"groupEpoch":7}        the group epoch is now 7
/// target            TargetAssignment       the target assignment is now this
/// offsets           {"offsets":[...],"reset":false}
/// txn-offsets       {"producerId":7,"producerEpoch":2,"transactionalId":"...","offsets":[...]}     (since transactions)
/// txn-ended         {"producerId":7,"producerEpoch":3}                                          (since transactions)
/// </code>
/// New kinds of change get new keys, so every log written before a kind existed is still read unchanged; a build that
/// meets a key it does not know refuses the log loudly (never skips a change).
/// Stateless and thread-safe.
/// </summary>
internal static class GroupChangeCodec
{
    private const string MemberKey = "member";
    private const string MemberRemovedKey = "member-removed";
    private const string GroupEpochKey = "group-epoch";
    private const string TargetKey = "target";
    private const string OffsetsKey = "offsets";
    private const string TransactionalOffsetsKey = "txn-offsets";
    private const string TransactionEndedKey = "txn-ended";

    /// <summary>One batch carrying <paramref name="changes"/> in order.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.RecordBatchTooLarge"/>: they do not fit <paramref name="maxBatchBytes"/>.</exception>
    public static byte[] Encode(IReadOnlyList<GroupChange> changes, long timestamp, int maxBatchBytes)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = maxBatchBytes });
        foreach (var change in changes)
        {
            var (key, value) = change switch
            {
                MemberUpserted m => (MemberKey, JsonSerializer.SerializeToUtf8Bytes(m.Member, GrainsJsonContext.Default.GroupMember)),
                MemberRemoved r => (MemberRemovedKey, JsonSerializer.SerializeToUtf8Bytes(r, GrainsJsonContext.Default.MemberRemoved)),
                GroupEpochChanged e => (GroupEpochKey, JsonSerializer.SerializeToUtf8Bytes(e, GrainsJsonContext.Default.GroupEpochChanged)),
                TargetChanged t => (TargetKey, JsonSerializer.SerializeToUtf8Bytes(t.Target, GrainsJsonContext.Default.TargetAssignment)),
                OffsetsCommitted o => (OffsetsKey, JsonSerializer.SerializeToUtf8Bytes(o, GrainsJsonContext.Default.OffsetsCommitted)),
                TransactionalOffsetsPending t => (TransactionalOffsetsKey, JsonSerializer.SerializeToUtf8Bytes(t, GrainsJsonContext.Default.TransactionalOffsetsPending)),
                TransactionEnded t => (TransactionEndedKey, JsonSerializer.SerializeToUtf8Bytes(t, GrainsJsonContext.Default.TransactionEnded)),
                _ => throw new ArgumentOutOfRangeException(nameof(changes), change, "Not a group change this codec knows."),
            };

            if (!builder.TryAppend(timestamp, Encoding.UTF8.GetBytes(key), value))
            {
                throw new RunnelException(RunnelErrorCode.RecordBatchTooLarge, $"The group's changes of one call do not fit one {maxBatchBytes}-byte batch ({changes.Count} changes).");
            }
        }

        return builder.ToArray();
    }

    /// <summary>The change one stored record carries.</summary>
    /// <exception cref="RunnelException">The record is not a group change (names its offset).</exception>
    public static GroupChange Decode(in Record record)
    {
        var key = record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : "";
        var value = record.Value is { } v ? v.Span : default;
        try
        {
            return key switch
            {
                MemberKey => new MemberUpserted(Deserialize(value, GrainsJsonContext.Default.GroupMember)),
                MemberRemovedKey => Deserialize(value, GrainsJsonContext.Default.MemberRemoved),
                GroupEpochKey => Deserialize(value, GrainsJsonContext.Default.GroupEpochChanged),
                TargetKey => new TargetChanged(Deserialize(value, GrainsJsonContext.Default.TargetAssignment)),
                OffsetsKey => Deserialize(value, GrainsJsonContext.Default.OffsetsCommitted),
                TransactionalOffsetsKey => Deserialize(value, GrainsJsonContext.Default.TransactionalOffsetsPending),
                TransactionEndedKey => Deserialize(value, GrainsJsonContext.Default.TransactionEnded),
                _ => throw new JsonException($"unknown change '{key}'"),
            };
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.Unknown, $"Group log record at offset {record.Offset} is not valid: {ex.Message}", ex);
        }
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json, type) ?? throw new JsonException("null document");
}
