namespace Runnel.Client;

/// <summary>The kinds of <see cref="OffsetResetSpec"/>, named like Kafka's <c>--reset-offsets</c> options.</summary>
public enum OffsetResetKind
{
    ToEarliest,
    ToLatest,
    ToDateTime,
    ToOffset,
    ShiftBy,
}
