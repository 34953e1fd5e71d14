namespace Runnel.Client.Internal;

/// <summary>The group id rule, checked on the client so a bad id fails at construction, not at the first heartbeat.</summary>
internal static class GroupIds
{
    /// <summary>1–249 characters of <c>[a-zA-Z0-9._-]</c>, like a topic name.</summary>
    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 249 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
