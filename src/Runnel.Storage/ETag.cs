namespace Runnel.Storage;

/// <summary>An opaque entity tag: changes whenever a blob's content changes. Compare for equality only.</summary>
public readonly record struct ETag(string Value)
{
    public override string ToString() => Value;
}
