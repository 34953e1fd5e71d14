using Microsoft.Extensions.Logging;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// One group member for tests: a subscribed consumer whose loop runs in the background, reporting its callbacks and
/// records to an <see cref="OwnershipLog"/>. <see cref="StopAsync"/> closes it gracefully (revoke, commit, leave);
/// <see cref="CrashAsync"/> stops it the way a killed process stops (no commit, no leave, no more heartbeats).
/// </summary>
public sealed class GroupWorker : IAsyncDisposable
{
    private readonly OwnershipLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public GroupWorker(string name, IGrainFactory grains, ConsumerOptions options, IReadOnlyList<string> topics, OwnershipLog log, Func<ConsumeResult<string, string>, Task>? onRecord = null,
        ILoggerFactory? loggerFactory = null)
        : this(name, grains, options, c => c.Subscribe(topics), log, onRecord, loggerFactory)
    {
    }

    /// <summary>A worker whose consumer is subscribed by <paramref name="subscribe"/> before its poll loop starts (so
    /// the first join already carries that subscription).</summary>
    public GroupWorker(string name, IGrainFactory grains, ConsumerOptions options, Action<Consumer<string, string>> subscribe, OwnershipLog log, Func<ConsumeResult<string, string>, Task>? onRecord = null,
        ILoggerFactory? loggerFactory = null)
    {
        Name = name;
        _log = log;
        Consumer = new Consumer<string, string>(grains, options, loggerFactory: loggerFactory);
        Consumer.PartitionsAssigned = p =>
        {
            log.Assigned(name, p);
            return default;
        };
        Consumer.PartitionsRevoked = p =>
        {
            log.Ended(name, p);
            return default;
        };
        Consumer.PartitionsLost = p =>
        {
            log.Ended(name, p);
            LostCount += p.Count;
            return default;
        };
        subscribe(Consumer);
        _loop = Task.Run(async () =>
        {
            try
            {
                await foreach (var record in Consumer.ConsumeAsync(_stop.Token))
                {
                    log.Record(name, record.TopicPartition, record.Offset, record.Message.Value);
                    if (onRecord is not null)
                    {
                        await onRecord(record);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Error = ex;
                log.Pulse();
            }
        });
    }

    public string Name { get; }

    public Consumer<string, string> Consumer { get; }

    public int LostCount { get; private set; }

    /// <summary>What ended the consuming loop, if it was not a stop.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Ends the loop, then closes the consumer (revoked callback, commit, leave).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(30));
        await Consumer.DisposeAsync();
        _log.Ended(Name, _log.Owners().GetValueOrDefault(Name) ?? []);
    }

    /// <summary>Stops everything at once without committing or leaving; its partitions wait for its session to expire.</summary>
    public async Task CrashAsync()
    {
        await Consumer.CrashAsync();
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(30));
        _log.Ended(Name, _log.Owners().GetValueOrDefault(Name) ?? []);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
