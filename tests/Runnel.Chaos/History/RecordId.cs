using System.Globalization;

namespace Runnel.Chaos.History;

/// <summary>
/// The identity of one produced record: which producer wrote it and its place in that producer's own sequence (0, 1,
/// 2, ... in produce order). Unique within a run; carried in the record's value as <c>p{Producer}-{Sequence}</c>.
/// </summary>
internal readonly record struct RecordId(int Producer, long Sequence)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p{Producer}-{Sequence}");

    /// <summary>Parses <see cref="ToString"/>'s form; false for anything else (a record this run did not write).</summary>
    public static bool TryParse(string? text, out RecordId id)
    {
        id = default;
        if (text is null || text.Length < 4 || text[0] != 'p')
        {
            return false;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 2
            || !int.TryParse(text.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var producer)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        id = new RecordId(producer, sequence);
        return true;
    }
}
