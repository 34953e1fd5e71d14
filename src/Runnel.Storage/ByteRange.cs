namespace Runnel.Storage;

/// <summary>A byte range of a blob: <see cref="Length"/> bytes from <see cref="Offset"/>, or to the end when
/// <see cref="Length"/> is null. The default value is the whole blob.</summary>
public readonly record struct ByteRange(long Offset, long? Length = null)
{
    public static ByteRange All => default;

    public bool IsAll => Offset == 0 && Length is null;
}
