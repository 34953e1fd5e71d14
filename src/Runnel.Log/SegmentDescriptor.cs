namespace Runnel.Log;

/// <summary>
/// One segment of a partition as the manifest records it. A segment is an append blob of whole record batches back to
/// back, appended only in the epoch its name carries. <see cref="SealedLength"/> and <see cref="LastOffset"/> are null
/// while the segment is the active one; once set they are final, and readers never read past <see cref="SealedLength"/>.
/// </summary>
/// <param name="Name">The segment blob's name: <c>{prefix}{epoch:D10}-{baseOffset:D20}.log</c>.</param>
/// <param name="Epoch">The owner epoch that created and appended this segment.</param>
/// <param name="BaseOffset">The offset of the segment's first record.</param>
/// <param name="LastOffset">The offset of its last record (BaseOffset - 1 when empty); null while active.</param>
/// <param name="SealedLength">The length of its valid bytes; null while active.</param>
/// <param name="MaxTimestamp">The largest record timestamp in it (milliseconds since the epoch); -1 when unknown or empty.</param>
public sealed record SegmentDescriptor(string Name, long Epoch, long BaseOffset, long? LastOffset, long? SealedLength, long MaxTimestamp)
{
    public bool IsSealed => SealedLength is not null;
}
