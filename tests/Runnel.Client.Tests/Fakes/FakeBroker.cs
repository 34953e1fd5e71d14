using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Runnel.Client.Tests.Fakes;

/// <summary>The fake cluster's state, shared by the fake grains (a singleton in the silo's services) and inspected by
/// tests: topics, partition logs, producer ids, injected faults, and signals for calls as they arrive.</summary>
public sealed class FakeBroker
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ProduceFault>> _faults = new();
    private readonly ConcurrentDictionary<(string Key, int BaseSequence), ConcurrentQueue<ProduceFault>> _sequenceFaults = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();
    private long _nextProducerId = 1000;

    /// <summary>Fetch calls as they arrive: (partition key, offset).</summary>
    private Channel<(string Key, long Offset)> _fetches = Channel.CreateUnbounded<(string, long)>();

    public ConcurrentDictionary<string, FakeTopic> Topics { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakePartitionLog> Logs { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeGroup> Groups { get; } = new(StringComparer.Ordinal);

    public FakeGroup Group(string id) => Groups.GetOrAdd(id, k => new FakeGroup(k));

    /// <summary>The isolation level of every fetch, in arrival order.</summary>
    public ConcurrentQueue<IsolationLevel> FetchIsolation { get; } = new();

    /// <summary>Transactional ids as the fake coordinator keeps them.</summary>
    public ConcurrentDictionary<string, FakeTransaction> Transactions { get; } = new(StringComparer.Ordinal);

    /// <summary>Transaction events in the order they happened: "add t/0" (the coordinator added a partition), "send t/0"
    /// (a transactional batch reached the partition), "commit"/"abort" (a transaction ended).</summary>
    public ConcurrentQueue<string> TransactionEvents { get; } = new();

    public int ProducerIdsAllocated => (int)(Interlocked.Read(ref _nextProducerId) - 1000);

    public FakePartitionLog Log(string key) => Logs.GetOrAdd(key, k => new FakePartitionLog(k));

    public long AllocateProducerId() => Interlocked.Increment(ref _nextProducerId) - 1;

    /// <summary>Queues faults for the next produce requests to partition <paramref name="key"/>.</summary>
    public void InjectFaults(string key, params ProduceFault[] faults)
    {
        var queue = _faults.GetOrAdd(key, _ => new ConcurrentQueue<ProduceFault>());
        foreach (var fault in faults)
        {
            queue.Enqueue(fault);
        }
    }

    /// <summary>Queues faults for the next produce requests to partition <paramref name="key"/> whose batch starts at
    /// <paramref name="baseSequence"/>; they take precedence over <see cref="InjectFaults"/>.</summary>
    public void InjectSequenceFaults(string key, int baseSequence, params ProduceFault[] faults)
    {
        var queue = _sequenceFaults.GetOrAdd((key, baseSequence), _ => new ConcurrentQueue<ProduceFault>());
        foreach (var fault in faults)
        {
            queue.Enqueue(fault);
        }
    }

    public ProduceFault NextFault(string key, int baseSequence) =>
        _sequenceFaults.TryGetValue((key, baseSequence), out var bySequence) && bySequence.TryDequeue(out var fault) ? fault
        : _faults.TryGetValue(key, out var queue) && queue.TryDequeue(out fault) ? fault
        : ProduceFault.None;

    /// <summary>Makes produce requests to <paramref name="key"/> wait (inside the grain) until <see cref="Release"/>.</summary>
    public void Hold(string key) => _holds[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(string key)
    {
        if (_holds.TryRemove(key, out var hold))
        {
            hold.TrySetResult();
        }
    }

    public Task HeldAsync(string key) => _holds.TryGetValue(key, out var hold) ? hold.Task : Task.CompletedTask;

    /// <summary>Called by the fake partition as a fetch call arrives.</summary>
    public void Fetched(string key, long offset) => _fetches.Writer.TryWrite((key, offset));

    /// <summary>The offset of the next fetch call to arrive for partition <paramref name="key"/> (fetches of other
    /// partitions, e.g. of an earlier test's consumer still winding down, are passed over).</summary>
    public async Task<long> NextFetchAsync(string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (fetched, offset) = await _fetches.Reader.ReadAsync(cancellationToken);
            if (fetched == key)
            {
                return offset;
            }
        }
    }

    /// <summary>Back to the state of a fresh cluster: no topics, logs, groups, faults or fetches; every hold and
    /// heartbeat gate released (so calls of an earlier test do not stay stuck). Producer ids keep counting up.</summary>
    public void Reset()
    {
        foreach (var key in _holds.Keys)
        {
            Release(key);
        }

        foreach (var group in Groups.Values)
        {
            group.HeartbeatGate.TrySetResult();
        }

        _faults.Clear();
        _sequenceFaults.Clear();
        Topics.Clear();
        Logs.Clear();
        Groups.Clear();
        Transactions.Clear();
        FetchIsolation.Clear();
        TransactionEvents.Clear();
        _fetches = Channel.CreateUnbounded<(string, long)>();
    }
}
