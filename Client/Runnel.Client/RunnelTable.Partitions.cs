using System.Collections.Concurrent;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <remarks>
/// <b>Partitions added to the topic.</b> Every <see cref="PartitionCheckInterval"/> the table asks for the topic's
/// partition count (one call); partitions added since (<see cref="IAdminClient.AddPartitionsAsync"/>, <c>runnel topics
/// alter --partitions N</c>) are followed from their log start, without a restart. The watcher hands each new partition
/// to the reading loop (which alone owns the queues) before assigning it to the consumer, so the partition's queue
/// exists before its first record is read. A transaction that wrote to a partition the table did not follow yet when it
/// read the transaction's first marker does not wait for that partition's part.
/// </remarks>
public sealed partial class RunnelTable<TKey, TValue>
{
    /// <summary>How often the table looks for partitions added to its topic: seconds, like a Kafka client's metadata
    /// refresh on a partition-count change, at the cost of one describe call each time.</summary>
    internal static readonly TimeSpan PartitionCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>Partitions the watcher found, for the reading loop to open queues for (in order) before it reads on.</summary>
    private readonly ConcurrentQueue<int> _added = new();

    /// <summary>How many partitions the table follows (the watcher only, once the loop started it).</summary>
    private int _followed;

    private Task? _watching;

    /// <summary>Opens the queues of partitions the watcher added (the reading loop only).</summary>
    private void OpenAddedPartitions()
    {
        while (_added.TryDequeue(out var partition))
        {
            _queues[partition] = new PartitionQueue(0, trimmed: false) { Restored = true };
        }
    }

    /// <summary>Looks for added partitions until the table is disposed; a failed look is logged and tried again.</summary>
    private async Task WatchPartitionsAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(PartitionCheckInterval, _time, _stop.Token).ConfigureAwait(false);
                try
                {
                    var count = await _partitionCount(_stop.Token).ConfigureAwait(false);
                    if (count <= _followed)
                    {
                        continue;
                    }

                    for (var p = _followed; p < count; p++)
                    {
                        _added.Enqueue(p);
                    }

                    var known = _followed;
                    _consumer.Assign(Enumerable.Range(0, count).Select(p => new TopicPartitionOffset(Topic, p, p < known ? Offset.Unset : Offset.Beginning)));
                    _followed = count;
                    TableLog.PartitionsAdded(_logger, Topic, known, count);
                }
                catch (RunnelException ex)
                {
                    TableLog.PartitionCheckFailed(_logger, Topic, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
