using System.Globalization;

namespace Runnel.Client;

/// <summary>Where <see cref="Admin.ResetOffsetsAsync"/> moves a group's committed offsets, per partition. The result is
/// clamped to the partition's [log start, high watermark].</summary>
public sealed record OffsetResetSpec
{
    private OffsetResetSpec(OffsetResetKind kind, long value)
    {
        Kind = kind;
        Value = value;
    }

    public OffsetResetKind Kind { get; }

    /// <summary>The offset (<see cref="OffsetResetKind.ToOffset"/>), the shift (<see cref="OffsetResetKind.ShiftBy"/>) or
    /// the Unix milliseconds (<see cref="OffsetResetKind.ToDateTime"/>).</summary>
    public long Value { get; }

    /// <summary>The log start offset.</summary>
    public static OffsetResetSpec ToEarliest() => new(OffsetResetKind.ToEarliest, 0);

    /// <summary>The high watermark: skip everything there is.</summary>
    public static OffsetResetSpec ToLatest() => new(OffsetResetKind.ToLatest, 0);

    /// <summary>The first record with a timestamp at or after <paramref name="timestamp"/> (the high watermark when none is).</summary>
    public static OffsetResetSpec ToDateTime(DateTimeOffset timestamp) => new(OffsetResetKind.ToDateTime, timestamp.ToUnixTimeMilliseconds());

    /// <summary>This offset in every partition.</summary>
    public static OffsetResetSpec ToOffset(long offset) => new(OffsetResetKind.ToOffset, offset);

    /// <summary>The committed offset moved by <paramref name="delta"/> (negative: back); a partition with nothing
    /// committed shifts from its log start.</summary>
    public static OffsetResetSpec ShiftBy(long delta) => new(OffsetResetKind.ShiftBy, delta);

    public override string ToString() => Kind switch
    {
        OffsetResetKind.ToDateTime => "to-datetime " + DateTimeOffset.FromUnixTimeMilliseconds(Value).ToString("O", CultureInfo.InvariantCulture),
        OffsetResetKind.ToOffset => "to-offset " + Value.ToString(CultureInfo.InvariantCulture),
        OffsetResetKind.ShiftBy => "shift-by " + Value.ToString(CultureInfo.InvariantCulture),
        OffsetResetKind.ToEarliest => "to-earliest",
        _ => "to-latest",
    };
}
