using System.Collections.Concurrent;
using Runnel.Client;

namespace Runnel.Chaos.Eos;

/// <summary>A read_committed consumer of the output topic that runs through the whole run and notes where every record
/// it handed out was: the checker proves none of them is uncommitted.</summary>
internal sealed class EosLiveReader(RunnelConnection connection, string topic, int partitions) : IAsyncDisposable
{
    private readonly ConcurrentQueue<(int Partition, long Offset)> _seen = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private int _disposed;

    public IReadOnlyCollection<(int Partition, long Offset)> Seen => _seen;

    public void Start() => _running = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var consumer = connection.CreateConsumer<string, string>(ConsumerOptions.Default with
        {
            IsolationLevel = IsolationLevel.ReadCommitted,
            FetchMaxWait = TimeSpan.FromMilliseconds(200),
        });
        await using var scope = consumer.ConfigureAwait(false);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        try
        {
            await foreach (var record in consumer.ConsumeAsync(_stop.Token).ConfigureAwait(false))
            {
                _seen.Enqueue((record.Partition, record.Offset));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _stop.Dispose();
    }
}
