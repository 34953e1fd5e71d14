using System.Buffers.Binary;
using Runnel.Buffers;
using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>
    /// Reads every partition at once without waiting (taking what <paramref name="readAhead"/> holds for a partition at
    /// the offset asked); when that found fewer than <c>min_bytes</c> and the client allows a wait, long-polls every
    /// partition that had nothing (each on its own grain, through <see cref="FetchRequest.MaxWait"/>) and answers as soon
    /// as one of them has data or the wait is over. Partitions are then trimmed to the response's <c>max_bytes</c> in
    /// request order (the first partition with data always keeps its first batch, as in Kafka). Stored batches go out
    /// unchanged; the first may start before the fetch offset, which Kafka clients skip. Before answering, starts the read
    /// of the next range of each partition answered with data that ends before the partition's end, for the client's next
    /// Fetch (<see cref="FetchReadAhead"/>).
    /// </summary>
    private async Task<ResponseFrame?> FetchAsync(RequestHeader header, FetchApi.Request request, FetchReadAhead? readAhead)
    {
        var targets = request.Topics
            .SelectMany(t => t.Partitions.Select(p => (Topic: t.Topic, Partition: p)))
            .ToArray();
        var isolation = request.IsolationLevel == 1 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        var results = await Task.WhenAll(targets.Select(t => ReadAsync(t.Topic, t.Partition, isolation, readAhead))).ConfigureAwait(false);
        try
        {
            var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (long)options.MaxFetchWait.TotalMilliseconds));
            var bytes = results.Sum(r => (long)r.Records.Length);
            if (bytes < Math.Max(1, request.MinBytes) && wait > TimeSpan.Zero)
            {
                await LongPollAsync(targets, results, isolation, wait).ConfigureAwait(false);
            }

            var sent = new bool[results.Length];
            var frame = Respond(header, request, results, sent);
            if (readAhead is not null)
            {
                ReadAhead(readAhead, targets, results, sent, isolation);
            }

            return frame;
        }
        finally
        {
            // The frame holds references of its own on the batches it attached (ResponseFrame.Attach).
            foreach (var result in results)
            {
                if (PooledBuffer.TryGetFrom(result.Records, out var pooled))
                {
                    pooled.Release();
                }
            }
        }
    }

    /// <summary>A partition's read without waiting: what <paramref name="readAhead"/> read ahead at exactly this offset,
    /// size and isolation level when that brought data, else a read now (a read ahead that found nothing or failed is not
    /// trusted: the partition may have grown or moved since).</summary>
    private async Task<FetchApi.PartitionResponse> ReadAsync(string topic, FetchApi.PartitionRequest partition, IsolationLevel isolation, FetchReadAhead? readAhead)
    {
        if (readAhead is not null && readAhead.TryTake(topic, partition.Partition, partition.FetchOffset, Math.Max(1, partition.PartitionMaxBytes), isolation, out var ahead))
        {
            var result = await ahead.ConfigureAwait(false);
            if (result.ErrorCode == KafkaErrorCode.None && !result.Records.IsEmpty)
            {
                return result;
            }
        }

        return await FetchPartitionAsync(topic, partition, isolation, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Starts, for each partition whose batches go out in this answer, the read from the offset after its last
    /// batch when the partition holds more (below its high watermark, or its last stable offset at read_committed).</summary>
    private void ReadAhead(FetchReadAhead readAhead, (string Topic, FetchApi.PartitionRequest Partition)[] targets, FetchApi.PartitionResponse[] results, bool[] sent, IsolationLevel isolation)
    {
        for (var i = 0; i < targets.Length; i++)
        {
            var result = results[i];
            if (!sent[i] || result.ErrorCode != KafkaErrorCode.None || NextOffset(result.Records.Span) is not { } next)
            {
                continue;
            }

            var end = isolation == IsolationLevel.ReadCommitted ? result.LastStableOffset : result.HighWatermark;
            if (next < end)
            {
                var (topic, partition) = targets[i];
                var ahead = partition with { FetchOffset = next };
                readAhead.TryStart(topic, partition.Partition, next, Math.Max(1, partition.PartitionMaxBytes), isolation, () => FetchPartitionAsync(topic, ahead, isolation, TimeSpan.Zero, CancellationToken.None));
            }
        }
    }

    /// <summary>The offset after the last whole record batch in <paramref name="batches"/> (RecordBatch v2: base offset at
    /// 0, length of the rest at 8, last offset delta at 23); null when there is none.</summary>
    internal static long? NextOffset(ReadOnlySpan<byte> batches)
    {
        const int LogOverhead = 12; // base offset (8) and batch length (4), which the length does not count
        const int LastOffsetDeltaAt = 23;
        long? next = null;
        while (batches.Length >= LastOffsetDeltaAt + 4)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(batches[8..]);
            if (length < LastOffsetDeltaAt + 4 - LogOverhead || length > batches.Length - LogOverhead)
            {
                break;
            }

            next = BinaryPrimitives.ReadInt64BigEndian(batches) + BinaryPrimitives.ReadInt32BigEndian(batches[LastOffsetDeltaAt..]) + 1;
            batches = batches[(LogOverhead + length)..];
        }

        return next;
    }

    /// <summary>The response frame: partitions trimmed to the request's <c>max_bytes</c> in request order, their
    /// batches attached to the frame rather than copied. Sets <paramref name="sent"/>[i] when result i's batches go out.</summary>
    private static ResponseFrame Respond(RequestHeader header, FetchApi.Request request, FetchApi.PartitionResponse[] results, bool[] sent)
    {
        var response = new FetchApi.Response();
        var budget = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
        var index = 0;
        var first = true;
        foreach (var topic in request.Topics)
        {
            var partitions = new List<FetchApi.PartitionResponse>(topic.Partitions.Count);
            foreach (var _ in topic.Partitions)
            {
                var result = results[index++];
                if (result.Records.Length > 0)
                {
                    if (!first && result.Records.Length > budget)
                    {
                        result = result with { Records = ReadOnlyMemory<byte>.Empty };
                    }
                    else
                    {
                        budget -= Math.Min(budget, result.Records.Length);
                        first = false;
                        sent[index - 1] = true;
                    }
                }

                partitions.Add(result);
            }

            response.Topics.Add(new FetchApi.TopicResponse(topic.Topic, partitions));
        }

        var frame = NewFrame(header);
        try
        {
            var writer = new KafkaWriter(frame);
            response.Write(ref writer, header.ApiVersion);
            return frame.Complete();
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>Waits on every empty partition at once; the first to bring data ends the wait for the others (they
    /// keep their empty answers). Replaces the empty results in <paramref name="results"/> with what arrived.</summary>
    private async Task LongPollAsync((string Topic, FetchApi.PartitionRequest Partition)[] targets, FetchApi.PartitionResponse[] results, IsolationLevel isolation, TimeSpan wait)
    {
        using var done = new CancellationTokenSource();
        var polls = new List<(int Index, Task<FetchApi.PartitionResponse> Task)>();
        for (var i = 0; i < targets.Length; i++)
        {
            if (results[i].ErrorCode == KafkaErrorCode.None && results[i].Records.IsEmpty)
            {
                polls.Add((i, FetchPartitionAsync(targets[i].Topic, targets[i].Partition, isolation, wait, done.Token)));
            }
        }

        var pending = polls.Select(p => p.Task).ToList();
        while (pending.Count > 0)
        {
            var completed = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(completed);
            if (completed.Result.Records.Length > 0)
            {
                await done.CancelAsync().ConfigureAwait(false);
                break;
            }
        }

        foreach (var (index, task) in polls)
        {
            var result = await task.ConfigureAwait(false);
            if (!(done.IsCancellationRequested && result.ErrorCode == KafkaErrorCode.RequestTimedOut))
            {
                results[index] = result;
            }
        }
    }

    /// <summary>The wire answer for a partition's fetch: its watermarks, its batches unchanged, and at read_committed
    /// its aborted transactions (producer id, first offset) — null at read_uncommitted, as Kafka sends it.</summary>
    internal static FetchApi.PartitionResponse ToPartitionResponse(int partition, FetchResponse fetched, IsolationLevel isolation) =>
        new(partition, KafkaErrorCode.None, fetched.HighWatermark, fetched.LastStableOffset, fetched.LogStartOffset, fetched.Batches)
        {
            AbortedTransactions = isolation == IsolationLevel.ReadCommitted
                ? [.. fetched.AbortedTransactions.Select(a => new FetchApi.AbortedTransaction(a.ProducerId, a.FirstOffset))]
                : null,
        };

    private async Task<FetchApi.PartitionResponse> FetchPartitionAsync(string topic, FetchApi.PartitionRequest partition, IsolationLevel isolation, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!TopicName.IsValid(topic, out _) || partition.Partition < 0)
        {
            return new FetchApi.PartitionResponse(partition.Partition, KafkaErrorCode.UnknownTopicOrPartition, -1, -1, -1, ReadOnlyMemory<byte>.Empty);
        }

        try
        {
            var maxBytes = Math.Max(1, partition.PartitionMaxBytes);
            var fetched = await grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition.Partition))
                .FetchAsync(new FetchRequest(partition.FetchOffset, maxBytes, wait, isolation), cancellationToken).ConfigureAwait(false);
            return ToPartitionResponse(partition.Partition, fetched, isolation);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Another partition brought data first: this one answers empty.
            return new FetchApi.PartitionResponse(partition.Partition, KafkaErrorCode.RequestTimedOut, -1, -1, -1, ReadOnlyMemory<byte>.Empty);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new FetchApi.PartitionResponse(partition.Partition, Fail($"Fetch ({topic}-{partition.Partition})", ex), -1, -1, -1, ReadOnlyMemory<byte>.Empty);
        }
    }
}
