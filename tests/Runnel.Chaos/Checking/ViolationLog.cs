namespace Runnel.Chaos.Checking;

/// <summary>A checker's violations in words: every one is counted by kind, and the first
/// <paramref name="examplesPerKind"/> of each kind are described.</summary>
internal sealed class ViolationLog(int examplesPerKind)
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>The described violations, "kind: text", in the order they were noted.</summary>
    public List<string> Described { get; } = [];

    public void Note(string kind, string text)
    {
        var count = _counts.GetValueOrDefault(kind);
        _counts[kind] = count + 1;
        if (count < examplesPerKind)
        {
            Described.Add($"{kind}: {text}");
        }
    }
}
