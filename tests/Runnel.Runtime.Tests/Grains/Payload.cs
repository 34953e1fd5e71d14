using Runnel.Serialization;

namespace Runnel.Runtime.Tests.Grains;

public enum Color : short
{
    Red = 1,
    Blue = -2,
}

/// <summary>Every kind of member the wire format supports, in a positional record with init members.</summary>
[GenerateSerializer]
public sealed record Payload([property: Id(0)] string Name, [property: Id(1)] int Count)
{
    [Id(2)]
    public ReadOnlyMemory<byte> Data { get; init; }

    [Id(3)]
    public Color Color { get; init; }

    [Id(4)]
    public DateTimeOffset At { get; init; }

    [Id(5)]
    public TimeSpan Span { get; init; }

    [Id(6)]
    public Guid Id { get; init; }

    [Id(7)]
    public int? Maybe { get; init; }

    [Id(8)]
    public List<string>? Tags { get; init; }

    [Id(9)]
    public Dictionary<string, long>? Counters { get; init; }

    [Id(10)]
    public Payload? Child { get; init; }

    [Id(11)]
    public byte[]? Raw { get; init; }

    [Id(12)]
    public double Ratio { get; init; }

    [Id(13)]
    public string? Missing { get; init; }

    [Id(14)]
    public IReadOnlyList<long>? Offsets { get; init; }
}
