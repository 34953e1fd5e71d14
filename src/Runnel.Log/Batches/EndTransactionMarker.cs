namespace Runnel.Log.Batches;

/// <summary>A transaction marker: whether the producer's transaction committed or aborted, and the epoch of the
/// coordinator that wrote it.</summary>
public readonly record struct EndTransactionMarker(ControlRecordType Type, int CoordinatorEpoch);
