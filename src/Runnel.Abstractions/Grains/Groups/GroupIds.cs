using System.Diagnostics.CodeAnalysis;

namespace Runnel.Grains;

/// <summary>
/// The one rule for consumer group ids, checked by the group grain and by clients alike (so an id the client accepts is
/// one the server accepts): the topic naming rules of <see cref="TopicName"/> — 1 to <see cref="TopicName.MaxLength"/>
/// characters of <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c> — so an id is one blob-name segment under
/// <c>groups/</c>. Stateless and thread-safe.
/// </summary>
public static class GroupIds
{
    /// <summary>True when <paramref name="groupId"/> follows the rule; otherwise <paramref name="reason"/> says why not,
    /// naming the id.</summary>
    public static bool IsValid([NotNullWhen(true)] string? groupId, [NotNullWhen(false)] out string? reason)
    {
        if (TopicName.IsValid(groupId, out _))
        {
            reason = null;
            return true;
        }

        var shown = groupId is null ? "null" : groupId.Length > 40 ? $"'{groupId[..40]}...' ({groupId.Length} characters)" : $"'{groupId}'";
        reason = $"Group id {shown} is not valid: it must be 1 to {TopicName.MaxLength} characters of [a-zA-Z0-9._-], and not '.' or '..'.";
        return false;
    }

    /// <summary>Throws <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidGroupId"/>) naming the broken rule.</summary>
    public static void Validate([NotNull] string? groupId)
    {
        if (!IsValid(groupId, out var reason))
        {
            throw new RunnelException(RunnelErrorCode.InvalidGroupId, reason);
        }
    }
}
