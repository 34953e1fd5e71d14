namespace Runnel.Client.Internal;

/// <summary>One record of a <see cref="ProducerBatch"/>: whom to tell its outcome, its create time (Unix ms, for the
/// report) and its flush epoch (see <see cref="ProducerEngine.FlushAsync"/>).</summary>
internal readonly record struct BatchEntry(IDeliveryHandler Handler, long Timestamp, long Epoch);
