using System.Collections.Concurrent;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>
/// Named one-shot events shared by a test and its grains (a DI singleton): a grain signals "started", a test
/// releases a "gate". Waits have a generous timeout that only turns a hang into a failure; they never pace a test.
/// </summary>
public sealed class TestSignals
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new();

    public void Set(string name) => Get(name).TrySetResult();

    public bool IsSet(string name) => Get(name).Task.IsCompleted;

    public Task WaitAsync(string name) => Get(name).Task.WaitAsync(HangGuard);

    public Task WaitAsync(string name, CancellationToken cancellationToken) => Get(name).Task.WaitAsync(HangGuard, cancellationToken);

    private TaskCompletionSource Get(string name) =>
        _events.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
