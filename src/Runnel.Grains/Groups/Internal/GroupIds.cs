using System.Diagnostics.CodeAnalysis;

namespace Runnel.Grains.Internal;

/// <summary>Group ids follow the topic naming rules (<see cref="TopicName"/>): 1–249 characters of
/// <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c>, so an id is one blob-name segment under <c>groups/</c>.</summary>
internal static class GroupIds
{
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
}
