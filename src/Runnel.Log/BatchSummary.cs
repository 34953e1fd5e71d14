namespace Runnel.Log;

/// <summary>Where one stored record batch sits and what its header says; what recovery and the producer-state
/// rebuild need without decoding records.</summary>
/// <param name="BaseOffset">The offset of its first record.</param>
/// <param name="LastOffset">The offset of its last record.</param>
/// <param name="Position">Its byte position in its segment.</param>
/// <param name="Size">Its total size in bytes.</param>
/// <param name="MaxTimestamp">Its largest record timestamp.</param>
/// <param name="ProducerId">Its producer id (-1 for none).</param>
/// <param name="ProducerEpoch">Its producer epoch.</param>
/// <param name="BaseSequence">Its first sequence number (-1 for none).</param>
/// <param name="Kind">Plain, transactional, or a transaction marker.</param>
public readonly record struct BatchSummary(long BaseOffset, long LastOffset, long Position, int Size, long MaxTimestamp, long ProducerId, short ProducerEpoch, int BaseSequence, BatchKind Kind = BatchKind.Data);
