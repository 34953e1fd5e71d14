namespace Runnel.Grains;

/// <summary>Stored batches (unchanged bytes; the first may start before the offset asked for) and the watermarks.</summary>
/// <remarks>
/// <para><b>On the wire</b> by <see cref="FetchResponseCodec"/>, not a generated serializer: the batches are written
/// straight from the log's buffer and read into one <see cref="Buffers.PooledBuffer"/>, instead of a fresh array per
/// response (a megabyte-sized array lands on the large-object heap: the client then spent more time in gen-2
/// collections than in reading records).</para>
/// <para><b>Ownership of <see cref="Batches"/>.</b> When the batches are (a slice of) a <see cref="Buffers.PooledBuffer"/>,
/// the response carries one reference to it: sending the response over the network releases the sender's, and a
/// response received over the network holds a reference of its own that the receiver releases when done with the bytes
/// (<see cref="Buffers.PooledBuffer.TryGetFrom"/>). A reference never released only leaves the array to the GC. Between
/// a grain and a caller in the same silo the response is passed as is (it is immutable), with its one reference.</para>
/// </remarks>
[Immutable, Alias("runnel.FetchResponse")]
public sealed record FetchResponse(
    ReadOnlyMemory<byte> Batches,
    long LogStartOffset,
    long HighWatermark,
    long LastStableOffset)
{
    /// <summary>At <see cref="IsolationLevel.ReadCommitted"/>: the aborted transactions whose range overlaps the returned
    /// batches, for the reader to skip their records (Kafka's aborted_transactions). Empty otherwise.</summary>
    public IReadOnlyList<AbortedTransaction> AbortedTransactions { get; init; } = [];
}
