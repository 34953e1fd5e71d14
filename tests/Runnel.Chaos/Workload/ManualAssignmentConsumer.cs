using Runnel.Chaos.History;
using Runnel.Client;

namespace Runnel.Chaos.Workload;

/// <summary>
/// The consuming side without a group (<c>--consumer manual</c>): one consumer assigned every partition of the topic from the beginning (no group, no
/// commits), recording each record it receives. When consuming fails (a non-retriable fetch error), it starts again
/// from the positions it reached, at most <see cref="MaxRestarts"/> times.
/// </summary>
internal sealed class ManualAssignmentConsumer(IGrainFactory grains, string topic, int partitions) : IChaosConsumer
{
    /// <summary>Bounds the restart loop; a consumer that fails this often is reported, not retried forever.</summary>
    private const int MaxRestarts = 100;

    private static readonly TimeSpan RestartBackoff = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private readonly List<Delivery> _deliveries = [];
    private readonly long[] _next = new long[partitions];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyDictionary<int, long>? _targets;
    private Task? _loop;

    public string Name => "manual";

    public int Restarts { get; private set; }

    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    public IReadOnlyList<Commit>? Commits => null;

    public int CommitFailures => 0;

    public void Start() => _loop = Task.Run(LoopAsync);

    public async Task<bool> CatchUpAndStopAsync(IReadOnlyDictionary<int, long> highWatermarks, TimeSpan timeout)
    {
        lock (_gate)
        {
            _targets = highWatermarks;
            CheckCaughtUpLocked();
        }

        try
        {
            await _caughtUp.Task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested && Restarts <= MaxRestarts)
        {
            var consumer = new Consumer<string, string>(grains, ConsumerOptions.Default);
            await using (consumer.ConfigureAwait(false))
            {
                lock (_gate)
                {
                    consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, _next[p] == 0 ? Offset.Beginning : new Offset(_next[p]))));
                }

                try
                {
                    await foreach (var record in consumer.ConsumeAsync(token).ConfigureAwait(false))
                    {
                        RecordId? id = RecordId.TryParse(record.Message.Value, out var parsed) ? parsed : null;
                        lock (_gate)
                        {
                            _deliveries.Add(new Delivery(record.Partition, record.Offset, id));
                            _next[record.Partition] = Math.Max(_next[record.Partition], record.Offset + 1);
                            CheckCaughtUpLocked();
                        }
                    }

                    return;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (RunnelException)
                {
                    Restarts++;
                }
            }

            try
            {
                await Task.Delay(RestartBackoff, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void CheckCaughtUpLocked()
    {
        if (_targets is { } targets && targets.All(t => _next[t.Key] >= t.Value))
        {
            _caughtUp.TrySetResult();
        }
    }
}
