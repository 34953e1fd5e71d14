using Runnel.Serialization;

namespace Runnel.Runtime.Tests.Grains;

/// <summary>Version 1 of a message.</summary>
[GenerateSerializer]
public sealed class MessageV1
{
    [Id(0)]
    public string? Name { get; set; }

    [Id(1)]
    public long Offset { get; set; }
}

/// <summary>Version 2 of the same message: two members added (a scalar and a framed one).</summary>
[GenerateSerializer]
public sealed class MessageV2
{
    [Id(0)]
    public string? Name { get; set; }

    [Id(1)]
    public long Offset { get; set; }

    [Id(2)]
    public List<int>? Added { get; set; }

    [Id(3)]
    public Guid Tag { get; set; }
}

/// <summary>A struct with settable members.</summary>
[GenerateSerializer]
public struct Point
{
    [Id(0)]
    public int X { get; set; }

    [Id(1)]
    public int Y { get; set; }
}
