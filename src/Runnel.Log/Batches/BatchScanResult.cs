namespace Runnel.Log.Batches;

/// <summary>
/// What <see cref="RecordBatchSplitter.Scan"/> found: how many leading bytes are whole, valid batches, what they
/// hold, and how the buffer ends after them.
/// </summary>
public readonly record struct BatchScanResult
{
    /// <summary>Bytes from the start of the buffer that are whole, valid batches: where the next batch belongs, and
    /// where recovery truncates a torn segment.</summary>
    public required int ValidLength { get; init; }

    /// <summary>The number of valid batches.</summary>
    public required int BatchCount { get; init; }

    /// <summary>baseOffset of the first valid batch; -1 when there is none.</summary>
    public required long FirstOffset { get; init; }

    /// <summary>Last offset (baseOffset + lastOffsetDelta) of the last valid batch; -1 when there is none.</summary>
    public required long LastOffset { get; init; }

    /// <summary>The largest maxTimestamp among the valid batches; -1 when there is none.</summary>
    public required long MaxTimestamp { get; init; }

    /// <summary>How the buffer ends after <see cref="ValidLength"/>.</summary>
    public required BatchTailStatus Tail { get; init; }

    /// <summary>For a <see cref="BatchTailStatus.Corrupt"/> or <see cref="BatchTailStatus.Incomplete"/> tail, what is wrong
    /// with it (message relative to the tail's start); no fault for a clean one.</summary>
    public required RecordBatchFault TailFault { get; init; }
}
