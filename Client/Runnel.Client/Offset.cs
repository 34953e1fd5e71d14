using System.Globalization;

namespace Runnel.Client;

/// <summary>
/// A position in a partition: a real offset (0 or more), or one of the special values <see cref="Beginning"/>,
/// <see cref="End"/>, <see cref="Stored"/> and <see cref="Unset"/> (Kafka's values, as in Confluent.Kafka). Special
/// values are resolved when the consumer first fetches from the partition. Converts implicitly from and to
/// <see cref="long"/>, so <c>new TopicPartitionOffset(tp, 42)</c> and <c>long next = position.Offset</c> both work.
/// </summary>
public readonly struct Offset : IEquatable<Offset>, IComparable<Offset>
{
    internal const long BeginningValue = -2;
    internal const long EndValue = -1;
    internal const long StoredValue = -1000;
    internal const long UnsetValue = -1001;

    /// <summary>An offset; negative values other than the special ones are not positions (the consumer refuses them).</summary>
    public Offset(long value) => Value = value;

    /// <summary>The partition's log start offset (the oldest record still kept).</summary>
    public static Offset Beginning { get; } = new(BeginningValue);

    /// <summary>The partition's high watermark: only records produced from now on.</summary>
    public static Offset End { get; } = new(EndValue);

    /// <summary>The consumer group's committed offset for the partition (<see cref="ConsumerOptions.GroupId"/> needed);
    /// where nothing is committed, <see cref="ConsumerOptions.AutoOffsetReset"/> decides.</summary>
    public static Offset Stored { get; } = new(StoredValue);

    /// <summary>No position: resolved by <see cref="ConsumerOptions.AutoOffsetReset"/>. The default value of
    /// <see cref="Offset"/> is offset 0, not this.</summary>
    public static Offset Unset { get; } = new(UnsetValue);

    /// <summary>The offset, or the special value's code (-2, -1, -1000, -1001).</summary>
    public long Value { get; }

    /// <summary>True for <see cref="Beginning"/>, <see cref="End"/>, <see cref="Stored"/> and <see cref="Unset"/>.</summary>
    public bool IsSpecial => Value is BeginningValue or EndValue or StoredValue or UnsetValue;

    public static implicit operator Offset(long value) => new(value);

    public static implicit operator long(Offset offset) => offset.Value;

    public static bool operator ==(Offset left, Offset right) => left.Value == right.Value;

    public static bool operator !=(Offset left, Offset right) => left.Value != right.Value;

    public static bool operator <(Offset left, Offset right) => left.Value < right.Value;

    public static bool operator >(Offset left, Offset right) => left.Value > right.Value;

    public static bool operator <=(Offset left, Offset right) => left.Value <= right.Value;

    public static bool operator >=(Offset left, Offset right) => left.Value >= right.Value;

    public static Offset FromInt64(long value) => new(value);

    public long ToInt64() => Value;

    public bool Equals(Offset other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is Offset other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode();

    public int CompareTo(Offset other) => Value.CompareTo(other.Value);

    /// <summary>The number, or the special value's name with its code: <c>42</c>, <c>Beginning [-2]</c>.</summary>
    public override string ToString() => Value switch
    {
        BeginningValue => "Beginning [-2]",
        EndValue => "End [-1]",
        StoredValue => "Stored [-1000]",
        UnsetValue => "Unset [-1001]",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}
