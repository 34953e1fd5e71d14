namespace Runnel.Storage;

/// <summary>The bytes read from a blob (the whole blob, or the range asked for) and its properties.</summary>
/// <param name="Content">A buffer owned by the caller.</param>
/// <param name="Offset">Where <paramref name="Content"/> starts in the blob.</param>
/// <param name="Properties">The blob's properties at the time of the read; <c>Properties.Length</c> is the whole blob's length.</param>
public sealed record BlobContent(ReadOnlyMemory<byte> Content, long Offset, BlobProperties Properties);
