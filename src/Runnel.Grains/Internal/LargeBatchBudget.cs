using Microsoft.Extensions.Options;

namespace Runnel.Grains.Internal;

/// <summary>
/// The silo's bound on memory held by large produce batches (over one append block) between their arrival and their
/// acknowledgement: each such append leases its size, first come first served, and waits while the leases in force
/// would pass <see cref="RunnelGrainsOptions.LargeBatchMemoryBytes"/> (a batch larger than the whole budget runs
/// alone). Small batches are not counted: the log's per-partition queue bounds them.
/// </summary>
public sealed class LargeBatchBudget(IOptions<RunnelGrainsOptions> options)
{
    private readonly long _capacity = options.Value.LargeBatchMemoryBytes;
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Granted)> _waiting = new();
    private long _leased;

    /// <summary>Bytes leased now.</summary>
    public long Leased
    {
        get
        {
            lock (_gate)
            {
                return _leased;
            }
        }
    }

    /// <summary>How many appends are waiting for room.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Leases <paramref name="bytes"/>; dispose the lease when the batch is acknowledged or failed.</summary>
    public async ValueTask<Lease> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        TaskCompletionSource granted;
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_gate)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                _leased += bytes;
                return new Lease(this, bytes);
            }

            granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast((bytes, granted));
        }

        try
        {
            await granted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (!granted.Task.IsCompleted)
                {
                    _waiting.Remove(node);
                    GrantLocked(); // the head may have changed
                    throw;
                }
            }

            // Granted as it was cancelled: hand the lease back.
            Release(bytes);
            throw;
        }

        return new Lease(this, bytes);
    }

    private bool Fits(long bytes) => _leased == 0 || _leased + bytes <= _capacity;

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _leased -= bytes;
            GrantLocked();
        }
    }

    private void GrantLocked()
    {
        while (_waiting.First is { } head && Fits(head.Value.Bytes))
        {
            _waiting.RemoveFirst();
            _leased += head.Value.Bytes;
            head.Value.Granted.TrySetResult();
        }
    }

    /// <summary>A lease of some bytes of the budget (none for <c>default</c>).</summary>
    public readonly struct Lease(LargeBatchBudget? budget, long bytes) : IDisposable
    {
        public void Dispose() => budget?.Release(bytes);
    }
}
