namespace Runnel.Persistence.Tests.Contract;

/// <summary>A small grain state, serialized by Orleans' default grain storage serializer (JSON). Marked for Orleans'
/// serializer as real state types are: Orleans' JSON serializer only resolves the type names it writes for known types.</summary>
[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public List<string> Items { get; set; } = [];

    [Id(1)]
    public long Total { get; set; }
}
