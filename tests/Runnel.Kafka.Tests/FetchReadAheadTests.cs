using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Buffers;
using Runnel.Grains;
using Runnel.Kafka.Internal;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Testing;

namespace Runnel.Kafka.Tests;

/// <summary>
/// A connection's fetch read-ahead (<see cref="FetchReadAhead"/>): a Fetch answered with data that ends before the
/// partition's end starts the read of the next range; the next Fetch at exactly that offset takes it instead of reading
/// again, with the bytes a fresh read gives; anything else discards it and releases its pooled buffer. Driven through the
/// request handler over a fake partition that counts its reads and the buffers it hands out.
/// </summary>
public sealed class FetchReadAheadTests
{
    private const string Topic = "ahead";

    /// <summary>Six batches of five 1,000-byte records (offsets 0-29); a partition max_bytes of 6,000 takes one.</summary>
    private const int BatchMaxBytes = 6_000;

    [Fact]
    public async Task NextFetch_AtTheOffsetAfterTheAnswer_TakesTheReadAhead_WithTheBytesOfAFreshRead()
    {
        var partition = new FakePartition(batches: 6);
        var handler = Handler(partition);
        using var readAhead = new FetchReadAhead(1 << 20, TimeProvider.System);

        var first = await FetchAsync(handler, readAhead, offset: 0);
        first.Records.Should().Equal(partition.Batch(0));
        partition.Reads.Should().Equal([0L, 5L], "the answer ends at offset 4: the read of offset 5 starts before the next Fetch");

        var second = await FetchAsync(handler, readAhead, offset: 5);
        second.Records.Should().Equal(partition.Batch(1));
        second.HighWatermark.Should().Be(30);
        partition.Reads.Should().Equal([0L, 5L, 10L], "offset 5 came from the read ahead, not a second read; offset 10 is read ahead");

        var fresh = await FetchAsync(handler, readAhead: null, offset: 5);
        fresh.Records.Should().Equal(second.Records, "a read ahead answers with the bytes a read at that time gives");
        partition.Handed.Where(h => h.Offset == 5).Should().OnlyContain(h => h.Buffer.IsReleased, "the taken read's buffer went out with its answer");
    }

    [Fact]
    public async Task Seek_DiscardsTheReadAhead_ReleasesItsBuffer_AndReadsTheOffsetAsked()
    {
        var partition = new FakePartition(batches: 6);
        var handler = Handler(partition);
        using var readAhead = new FetchReadAhead(1 << 20, TimeProvider.System);

        await FetchAsync(handler, readAhead, offset: 0);
        var aheadBuffer = partition.Handed.Single(h => h.Offset == 5).Buffer;
        aheadBuffer.IsReleased.Should().BeFalse("the read ahead waits for the next Fetch");

        var sought = await FetchAsync(handler, readAhead, offset: 20);
        sought.Records.Should().Equal(partition.Batch(4));
        aheadBuffer.IsReleased.Should().BeTrue("a Fetch at another offset discards the read ahead");
        partition.Reads.Should().Equal([0L, 5L, 20L, 25L]);
        readAhead.PendingCount.Should().Be(1);
    }

    [Fact]
    public async Task ReadCommitted_ReadsAheadOnlyBelowTheLastStableOffset()
    {
        var partition = new FakePartition(batches: 6) { LastStableOffset = 10 };
        var handler = Handler(partition);
        using var readAhead = new FetchReadAhead(1 << 20, TimeProvider.System);

        var first = await FetchAsync(handler, readAhead, offset: 0, IsolationLevel.ReadCommitted);
        first.Records.Should().Equal(partition.Batch(0));
        var second = await FetchAsync(handler, readAhead, offset: 5, IsolationLevel.ReadCommitted);
        second.Records.Should().Equal(partition.Batch(1));
        second.LastStableOffset.Should().Be(10);
        partition.Reads.Should().Equal([0L, 5L], "the answer ends at the last stable offset: nothing more is read for read_committed");
        readAhead.PendingCount.Should().Be(0);

        var uncommitted = await FetchAsync(handler, readAhead, offset: 5);
        uncommitted.Records.Should().Equal(partition.Batch(1));
        partition.Reads.Should().Equal([0L, 5L, 5L, 10L], "read_uncommitted reads on to the high watermark");

        var committed = await FetchAsync(handler, readAhead, offset: 10, IsolationLevel.ReadCommitted);
        committed.Records.Should().BeEmpty("the read ahead at read_uncommitted is not taken by a read_committed Fetch");
        partition.Reads.Should().Equal([0L, 5L, 5L, 10L, 10L]);
        partition.Handed.Should().OnlyContain(h => h.Buffer.IsReleased);
    }

    [Fact]
    public async Task AtTheEnd_NothingIsReadAhead()
    {
        var partition = new FakePartition(batches: 2);
        var handler = Handler(partition);
        using var readAhead = new FetchReadAhead(1 << 20, TimeProvider.System);

        var all = await FetchAsync(handler, readAhead, offset: 0, partitionMaxBytes: 1 << 20);
        all.Records.Should().Equal([.. partition.Batch(0), .. partition.Batch(1)]);
        partition.Reads.Should().Equal([0L], "the answer reached the high watermark");
        readAhead.PendingCount.Should().Be(0);
    }

    [Fact]
    public async Task Dispose_ReleasesEveryReadAhead_DoneOrStillRunning_AndStartsNoMore()
    {
        var done = PooledBuffer.Rent(4096);
        var running = new TaskCompletionSource<FetchApi.PartitionResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readAhead = new FetchReadAhead(1 << 20, TimeProvider.System);
        readAhead.TryStart("t", 0, 10, 4096, IsolationLevel.ReadUncommitted, () => Task.FromResult(Answer(done))).Should().BeTrue();
        readAhead.TryStart("t", 1, 10, 4096, IsolationLevel.ReadUncommitted, () => running.Task).Should().BeTrue();

        readAhead.Dispose();
        done.IsReleased.Should().BeTrue("a finished read's buffer is released when the connection ends");
        var late = PooledBuffer.Rent(4096);
        running.SetResult(Answer(late));
        await WaitUntilAsync(() => late.IsReleased);

        var started = false;
        readAhead.TryStart("t", 2, 10, 4096, IsolationLevel.ReadUncommitted, () =>
        {
            started = true;
            return running.Task;
        }).Should().BeFalse();
        started.Should().BeFalse("a closed connection starts no read");
    }

    [Fact]
    public void TryStart_KeepsOneReadPerPartition_WithinTheByteBudget()
    {
        using var readAhead = new FetchReadAhead(3000, TimeProvider.System);
        var empty = Task.FromResult(new FetchApi.PartitionResponse(0, KafkaErrorCode.None, 0, 0, 0, ReadOnlyMemory<byte>.Empty));
        readAhead.TryStart("t", 0, 1, 1000, IsolationLevel.ReadUncommitted, () => empty).Should().BeTrue();
        readAhead.TryStart("t", 0, 2, 1000, IsolationLevel.ReadUncommitted, () => empty).Should().BeFalse("one read per partition");
        readAhead.TryStart("t", 1, 1, 2000, IsolationLevel.ReadUncommitted, () => empty).Should().BeTrue();
        readAhead.TryStart("t", 2, 1, 1, IsolationLevel.ReadUncommitted, () => empty).Should().BeFalse("3,000 bytes are reserved");

        readAhead.TryTake("t", 1, 1, 2000, IsolationLevel.ReadUncommitted, out var taken).Should().BeTrue();
        taken.Should().BeSameAs(empty);
        readAhead.TryStart("t", 2, 1, 2000, IsolationLevel.ReadUncommitted, () => empty).Should().BeTrue("a taken read gives its bytes back");
        readAhead.TryTake("t", 2, 1, 1000, IsolationLevel.ReadUncommitted, out _).Should().BeFalse("another max_bytes discards the read");
        readAhead.PendingCount.Should().Be(1);
    }

    [Fact]
    public async Task AReadNotTakenWithinMaxAge_IsDiscarded_AtTheNextTakeOrStart()
    {
        var partition = new FakePartition(batches: 6);
        var handler = Handler(partition);
        var clock = new ManualTimeProvider();
        using var readAhead = new FetchReadAhead(1 << 20, clock);

        await FetchAsync(handler, readAhead, offset: 0);
        clock.Advance(FetchReadAhead.MaxAge + TimeSpan.FromMilliseconds(1));
        var late = await FetchAsync(handler, readAhead, offset: 5);
        late.Records.Should().Equal(partition.Batch(1));
        partition.Reads.Should().Equal([0L, 5L, 5L, 10L], "the read ahead of offset 5 was too old: offset 5 is read again");
        partition.Handed[1].Buffer.IsReleased.Should().BeTrue();

        // A partition the client stopped fetching: its read ahead goes when another read ahead starts after MaxAge.
        var idle = PooledBuffer.Rent(4096);
        readAhead.TryStart(Topic, 7, 0, 4096, IsolationLevel.ReadUncommitted, () => Task.FromResult(Answer(idle))).Should().BeTrue();
        clock.Advance(FetchReadAhead.MaxAge + TimeSpan.FromMilliseconds(1));
        await FetchAsync(handler, readAhead, offset: 10);
        idle.IsReleased.Should().BeTrue("the idle partition's read ahead expired");
        readAhead.PendingCount.Should().Be(1, "only the read ahead of offset 15 is left");
    }

    [Fact]
    public void NextOffset_IsTheOffsetAfterTheLastWholeBatch()
    {
        var partition = new FakePartition(batches: 3);
        byte[] two = [.. partition.Batch(1), .. partition.Batch(2)];
        KafkaRequestHandler.NextOffset(two).Should().Be(15);
        KafkaRequestHandler.NextOffset(two.AsSpan(0, two.Length - 1)).Should().Be(10, "a cut batch at the end does not count");
        KafkaRequestHandler.NextOffset([]).Should().BeNull();
    }

    [Theory]
    [InlineData(-1L, false)]
    [InlineData(0L, true)]
    [InlineData(16L << 20, true)]
    [InlineData((1L << 32) + 1, false)]
    public void Validator_FetchReadAheadBytes_ZeroTurnsItOff_NegativeOrAbove4GiBIsRefused(long bytes, bool valid)
    {
        var result = new KafkaListenerOptionsValidator().Validate(null, new KafkaListenerOptions { FetchReadAheadBytes = bytes });
        result.Succeeded.Should().Be(valid);
        if (!valid)
        {
            result.FailureMessage.Should().Contain($"Runnel:Kafka:FetchReadAheadBytes must be between 0 (off) and 4 GiB (was {bytes})");
        }
    }

    private static KafkaRequestHandler Handler(FakePartition partition) =>
        new(new OnePartition(partition), new BrokerIdentity(1, "127.0.0.1", 9092, "test"), new KafkaListenerOptions(), NullLogger.Instance);

    private const short FetchVersion = 4;

    /// <summary>One Fetch (v4, no wait) of partition 0 through the handler; the answer's bytes copied, the frame disposed.</summary>
    private static async Task<Answered> FetchAsync(
        KafkaRequestHandler handler, FetchReadAhead? readAhead, long offset, IsolationLevel isolation = IsolationLevel.ReadUncommitted, int partitionMaxBytes = BatchMaxBytes)
    {
        using var frame = await StartFetch(handler, readAhead, offset, isolation, partitionMaxBytes) ?? throw new InvalidOperationException("No answer.");
        var wire = frame.Segments.SelectMany(s => s.ToArray()).ToArray();
        var response = KafkaWireClient.Decode(wire[4..], 7, flexibleHeader: false, (ref KafkaReader r) => FetchApi.Response.Read(ref r, FetchVersion));
        var answer = response.Topics.Single().Partitions.Single();
        answer.ErrorCode.Should().Be(KafkaErrorCode.None);
        return new Answered(answer.Records.ToArray(), answer.HighWatermark, answer.LastStableOffset);
    }

    private static Task<ResponseFrame?> StartFetch(KafkaRequestHandler handler, FetchReadAhead? readAhead, long offset, IsolationLevel isolation, int partitionMaxBytes)
    {
        var request = new FetchApi.Request { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, IsolationLevel = (sbyte)(isolation == IsolationLevel.ReadCommitted ? 1 : 0) };
        request.Topics.Add(new FetchApi.TopicRequest(Topic, [new FetchApi.PartitionRequest(0, -1, offset, -1, partitionMaxBytes)]));
        var body = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(body);
        request.Write(ref writer, FetchVersion);
        var reader = new KafkaReader(body.WrittenMemory);
        return handler.Start(new RequestHeader((short)ApiKey.Fetch, FetchVersion, 7, "test"), ref reader, "", readAhead);
    }

    /// <summary>A Fetch's answer for the partition: its bytes (copied) and watermarks.</summary>
    private sealed record Answered(byte[] Records, long HighWatermark, long LastStableOffset);

    private static FetchApi.PartitionResponse Answer(PooledBuffer buffer) => new(0, KafkaErrorCode.None, 100, 100, 0, buffer.Memory);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within 10 s");
            await Task.Delay(10);
        }
    }

    /// <summary>Serves <see cref="FakePartition"/> as partition 0 of <see cref="Topic"/>; no other grain.</summary>
    private sealed class OnePartition(FakePartition partition) : DelegatingGrainFactory(null)
    {
        public override TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null) =>
            primaryKey == PartitionKey.Format(Topic, 0) && partition is TGrainInterface grain
                ? grain
                : throw new InvalidOperationException($"No grain {typeof(TGrainInterface).Name} {primaryKey}.");
    }

    /// <summary>A partition log of whole batches of five records (offsets 0, 5, 10, ...) served as the partition grain
    /// serves them: from the batch holding the offset, whole batches up to max bytes (at least one), below the high
    /// watermark or the last stable offset, in a pooled buffer. Records each read's offset and each buffer it hands out.</summary>
    private sealed class FakePartition : IPartitionGrain
    {
        private readonly List<byte[]> _batches = [];
        private readonly Lock _lock = new();
        private readonly List<long> _reads = [];
        private readonly List<(long Offset, PooledBuffer Buffer)> _handed = [];

        public FakePartition(int batches)
        {
            for (var i = 0; i < batches; i++)
            {
                var batch = SampleBatches.Create($"b{i}", records: 5, valueSize: 1000);
                BinaryPrimitives.WriteInt64BigEndian(batch, i * 5L);
                _batches.Add(batch);
            }

            LastStableOffset = HighWatermark;
        }

        public long HighWatermark => _batches.Count * 5L;

        public long LastStableOffset { get; init; }

        public IReadOnlyList<long> Reads
        {
            get
            {
                lock (_lock)
                {
                    return [.. _reads];
                }
            }
        }

        public IReadOnlyList<(long Offset, PooledBuffer Buffer)> Handed
        {
            get
            {
                lock (_lock)
                {
                    return [.. _handed];
                }
            }
        }

        public byte[] Batch(int index) => _batches[index];

        public ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default)
        {
            var end = request.IsolationLevel == IsolationLevel.ReadCommitted ? LastStableOffset : HighWatermark;
            var chosen = new List<byte[]>();
            var bytes = 0;
            for (var i = (int)(request.Offset / 5); i < _batches.Count && (i + 1) * 5L <= end; i++)
            {
                if (chosen.Count > 0 && bytes + _batches[i].Length > request.MaxBytes)
                {
                    break;
                }

                chosen.Add(_batches[i]);
                bytes += _batches[i].Length;
            }

            var records = ReadOnlyMemory<byte>.Empty;
            lock (_lock)
            {
                _reads.Add(request.Offset);
                if (bytes > 0)
                {
                    var buffer = PooledBuffer.Rent(bytes);
                    var position = 0;
                    foreach (var batch in chosen)
                    {
                        batch.CopyTo(buffer.GetSpan()[position..]);
                        position += batch.Length;
                    }

                    _handed.Add((request.Offset, buffer));
                    records = buffer.Memory;
                }
            }

            return ValueTask.FromResult(new FetchResponse(records, 0, HighWatermark, LastStableOffset));
        }

        public ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<SegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<PartitionOffsets> GetOffsetsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask RetireAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<int> EnforceRetentionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<PartitionCompaction> CompactAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> HandOverIfMovedAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
