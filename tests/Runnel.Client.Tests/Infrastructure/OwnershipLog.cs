using System.Diagnostics;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// What a test's group members did, in one history: owner intervals per partition (from the assigned / revoked / lost
/// callbacks) and every record each member consumed. Every change pulses a signal that tests wait on (no sleeps).
/// Thread-safe.
/// </summary>
public sealed class OwnershipLog
{
    private readonly Lock _gate = new();
    private readonly List<Interval> _intervals = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Member, TopicPartition Partition, long Offset, string? Value)> _consumed = [];
    private readonly List<string> _violations = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A copy of every record consumed so far: (member, partition, offset, value).</summary>
    public List<(string Member, TopicPartition Partition, long Offset, string? Value)> Consumed
    {
        get
        {
            lock (_gate)
            {
                return [.. _consumed];
            }
        }
    }

    /// <summary>A copy of the records consumed by a member outside its owner intervals (must stay empty).</summary>
    public List<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    public TimeSpan Now => _clock.Elapsed;

    public void Assigned(string member, IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                _intervals.Add(new Interval(member, p, _clock.Elapsed));
            }
        }

        Pulse();
    }

    /// <summary>Closes the member's open intervals of these partitions (revoked, lost, or the member died).</summary>
    public void Ended(string member, IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                foreach (var interval in _intervals.Where(i => i.Member == member && i.Partition == p && i.End is null))
                {
                    interval.End = _clock.Elapsed;
                }
            }
        }

        Pulse();
    }

    public void Record(string member, TopicPartition partition, long offset, string? value)
    {
        lock (_gate)
        {
            _consumed.Add((member, partition, offset, value));
            if (!_intervals.Any(i => i.Member == member && i.Partition == partition && i.End is null))
            {
                _violations.Add($"{member} consumed {partition}@{offset} without owning it");
            }
        }

        Pulse();
    }

    /// <summary>The partitions each member owns now.</summary>
    public Dictionary<string, List<TopicPartition>> Owners()
    {
        lock (_gate)
        {
            return _intervals.Where(i => i.End is null).GroupBy(i => i.Member).ToDictionary(g => g.Key, g => g.Select(i => i.Partition).ToList());
        }
    }

    public List<Interval> Intervals()
    {
        lock (_gate)
        {
            return [.. _intervals.Select(i => i with { })];
        }
    }

    public HashSet<(TopicPartition Partition, long Offset)> ConsumedOffsets()
    {
        lock (_gate)
        {
            return [.. _consumed.Select(c => (c.Partition, c.Offset))];
        }
    }

    /// <summary>Pairs of intervals of one partition held by two members at once.</summary>
    public List<string> Overlaps()
    {
        lock (_gate)
        {
            var overlaps = new List<string>();
            foreach (var byPartition in _intervals.GroupBy(i => i.Partition))
            {
                var ordered = byPartition.OrderBy(i => i.Start).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    var previous = ordered[i - 1];
                    if (previous.End is null || previous.End > ordered[i].Start)
                    {
                        overlaps.Add($"{byPartition.Key}: {previous.Member} [{previous.Start}, {previous.End}) and {ordered[i].Member} from {ordered[i].Start}");
                    }
                }
            }

            return overlaps;
        }
    }

    /// <summary>Waits (on changes, not on a clock) until <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>; the message says what was awaited.</exception>
    public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout} for: {what}. Owners: "
                    + string.Join("; ", Owners().Select(o => $"{o.Key}={string.Join(",", o.Value)}")));
            }
        }
    }

    public void Pulse() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>One member's ownership of one partition; <see cref="End"/> null while it lasts.</summary>
    public sealed record Interval(string Member, TopicPartition Partition, TimeSpan Start)
    {
        public TimeSpan? End { get; set; }
    }
}
