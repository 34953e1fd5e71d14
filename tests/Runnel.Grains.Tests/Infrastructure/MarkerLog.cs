using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// What transaction coordinators ask partitions: every <see cref="IPartitionGrain.WriteTransactionMarkerAsync"/> call is
/// recorded (partition, marker) by an incoming call filter on every silo (<see cref="Install"/>) and answered there
/// without reaching the partition (offset = how many markers came before), unless <see cref="PassThrough"/>. A partition
/// in <see cref="Failing"/> answers a retriable error instead; <see cref="Gate"/>, when set, holds every marker call until
/// it completes. Thread-safe; one per test, shared by its silos.
/// </summary>
public sealed class MarkerLog
{
    private readonly ConcurrentQueue<(string Partition, TransactionMarker Marker)> _written = new();
    private readonly object _waitersLock = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Partitions whose marker calls fail (retriable), by key <c>topic/partition</c>.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    /// <summary>Markers that reach the real partition grain.</summary>
    public bool PassThrough { get; set; }

    /// <summary>When set, every marker call waits for it first (a silo kill mid-end).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Signalled when a marker call is held at <see cref="Gate"/>.</summary>
    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every marker written, in order of arrival.</summary>
    public IReadOnlyList<(string Partition, TransactionMarker Marker)> Written => [.. _written];

    /// <summary>Completes once at least <paramref name="count"/> markers were written.</summary>
    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        lock (_waitersLock)
        {
            if (_written.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(timeout);
        }
    }

    /// <summary>Adds the recording filter to a silo.</summary>
    public void Install(ISiloBuilder silo)
    {
        silo.Services.AddSingleton(this);
        silo.AddIncomingGrainCallFilter<Filter>();
    }

    private void Record(string partition, TransactionMarker marker)
    {
        lock (_waitersLock)
        {
            _written.Enqueue((partition, marker));
            foreach (var waiter in _waiters.Where(w => _written.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    private sealed class Filter(MarkerLog log) : IIncomingGrainCallFilter
    {
        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name != nameof(IPartitionGrain.WriteTransactionMarkerAsync) || context.Grain is not IPartitionGrain)
            {
                await context.Invoke();
                return;
            }

            var key = context.TargetId.Key.ToString()!;
            var marker = (TransactionMarker)context.Request.GetArgument(0)!;
            if (log.Gate is { } gate)
            {
                log.Held.TrySetResult();
                await gate.Task;
            }

            if (log.Failing.ContainsKey(key))
            {
                throw new RunnelException(RunnelErrorCode.StorageUnavailable, $"Test: partition {key} refuses markers for now.", isRetriable: true);
            }

            if (log.PassThrough)
            {
                await context.Invoke();
                log.Record(key, marker);
                return;
            }

            var offset = (long)log._written.Count;
            log.Record(key, marker);
            context.Result = offset;
        }
    }
}
