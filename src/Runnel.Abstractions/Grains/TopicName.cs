using System.Diagnostics.CodeAnalysis;

namespace Runnel.Grains;

/// <summary>
/// Kafka's topic naming rules, which Runnel keeps so that names move between the two unchanged: 1 to
/// <see cref="MaxLength"/> characters of <c>[a-zA-Z0-9._-]</c>, and not <c>.</c> or <c>..</c>. A valid name is also a
/// valid blob-name segment (no '/', no '\'), which the topic's storage layout relies on. Stateless and thread-safe.
/// </summary>
public static class TopicName
{
    /// <summary>249: Kafka's limit (255 for a file name, less room for a partition suffix such as <c>-12345</c>).</summary>
    public const int MaxLength = 249;

    /// <summary>True when <paramref name="name"/> follows the rules; otherwise <paramref name="reason"/> says which one it breaks.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name, [NotNullWhen(false)] out string? reason)
    {
        if (string.IsNullOrEmpty(name))
        {
            reason = "A topic name must not be empty.";
            return false;
        }

        if (name.Length > MaxLength)
        {
            reason = $"Topic name '{name[..20]}...' is {name.Length} characters long; the limit is {MaxLength}.";
            return false;
        }

        if (name is "." or "..")
        {
            reason = $"Topic name '{name}' is not allowed: '.' and '..' are reserved.";
            return false;
        }

        foreach (var c in name)
        {
            if (!IsLegal(c))
            {
                reason = $"Topic name '{name}' contains '{c}' (U+{(int)c:X4}); only ASCII letters, digits, '.', '_' and '-' are allowed.";
                return false;
            }
        }

        reason = null;
        return true;
    }

    /// <summary>Throws <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidTopicName"/>) naming the broken rule.</summary>
    public static void Validate([NotNull] string? name)
    {
        if (!IsValid(name, out var reason))
        {
            throw new RunnelException(RunnelErrorCode.InvalidTopicName, reason);
        }
    }

    private static bool IsLegal(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
