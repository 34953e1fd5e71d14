namespace Runnel.Storage;

/// <summary>Which condition of a write did not hold.</summary>
[GenerateSerializer, Alias("runnel.PreconditionKind")]
public enum PreconditionKind
{
    /// <summary>The blob's ETag is not the one given in <c>If-Match</c> (or the blob is gone).</summary>
    ETagMismatch = 0,

    /// <summary>The blob exists and the write said <c>If-None-Match: *</c>.</summary>
    AlreadyExists = 1,

    /// <summary>The append blob's length is not the append position given.</summary>
    AppendPosition = 2,

    /// <summary>The append would grow the blob past the max size given.</summary>
    MaxSize = 3,

    /// <summary>The blob is leased and the write carried no lease id, or another one.</summary>
    Lease = 4,
}
