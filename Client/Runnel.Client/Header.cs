namespace Runnel.Client;

/// <summary>A record header: a key (UTF-8 on the wire, never null) and a value that may be null.</summary>
/// <param name="Key">The header's name; several headers may share one.</param>
/// <param name="Value">The value's bytes, or null (distinct from empty). Not copied: do not change the array after
/// handing it to a producer.</param>
public readonly record struct Header(string Key, byte[]? Value);
