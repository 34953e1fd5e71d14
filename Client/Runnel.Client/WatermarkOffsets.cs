namespace Runnel.Client;

/// <summary>A partition's watermarks, as <see cref="IAdminClient.GetPartitionOffsetsAsync"/> reads them.</summary>
/// <param name="LogStartOffset">The oldest offset still kept (Kafka's low watermark).</param>
/// <param name="HighWatermark">The offset the next record will get: records below it are durable and readable.</param>
/// <param name="LastStableOffset">The offset below which no transaction is open (equal to the high watermark without
/// transactions).</param>
public sealed record WatermarkOffsets(long LogStartOffset, long HighWatermark, long LastStableOffset);
