using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

public sealed class TurnGrain : Grain, ITurnGrain
{
    private readonly TaskCompletionSource _met = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inside;
    private int _maxInside;
    private int _turns;
    private int _arrived;

    public async ValueTask<int> EnterAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        await Task.Yield();
        var turn = ++_turns;
        await Task.Yield();
        Exit();
        return turn;
    }

    public ValueTask<int> GetMaxInsideAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_maxInside);

    public async ValueTask<int> MeetAsync(int parties, CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            // A barrier: completes only when `parties` read-only calls are inside the grain at the same time.
            if (Interlocked.Increment(ref _arrived) == parties)
            {
                _met.TrySetResult();
            }

            await _met.Task.WaitAsync(TestSignals.HangGuard, cancellationToken);
            return Volatile.Read(ref _arrived);
        }
        finally
        {
            Exit();
        }
    }

    private void Enter()
    {
        var now = Interlocked.Increment(ref _inside);
        int max;
        while (now > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, now, max) != max)
        {
        }
    }

    private void Exit() => Interlocked.Decrement(ref _inside);
}
