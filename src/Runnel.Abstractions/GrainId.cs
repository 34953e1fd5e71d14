namespace Runnel;

/// <summary>
/// A grain's identity: its grain type (the interface's <see cref="GrainTypeAttribute"/> name, or the interface's
/// full name) and its string key. Two ids are equal when both parts are equal (ordinal). Immutable.
/// </summary>
public readonly record struct GrainId
{
    /// <summary>Creates an id.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is empty, or either part is null.</exception>
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
    }

    /// <summary>The grain type, e.g. <c>runnel.partition</c>.</summary>
    public string Type { get; }

    /// <summary>The key within the type, e.g. <c>orders/3</c>.</summary>
    public string Key { get; }

    /// <summary><c>type/key</c>, for logs.</summary>
    public override string ToString() => $"{Type}/{Key}";
}
