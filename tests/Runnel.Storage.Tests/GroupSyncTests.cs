using System.Text;
using FluentAssertions;
using Microsoft.Win32.SafeHandles;
using Runnel.Storage.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>
/// The file store's group sync (Internal/GroupSync.cs): beyond <see cref="GroupSync.DirectSyncs"/> concurrent syncs,
/// callers share one syncfs per round. Fake syncs that block on gates make the interleavings deterministic: a member
/// returns only after a syncfs that started after it joined, and a failed round fails every member (the store then
/// acknowledges none of their appends).
/// </summary>
public sealed class GroupSyncTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new("group-sync");
    private readonly ManualResetEventSlim _directGate = new(initialState: false);
    private readonly List<ManualResetEventSlim> _roundGates = [];
    private int _directCalls;
    private int _roundCalls;
    private int _failRoundsFrom = int.MaxValue;

    public void Dispose()
    {
        _directGate.Set(); // never leave a test thread blocked
        lock (_roundGates)
        {
            _roundGates.ForEach(g => g.Set());
        }

        _directory.Dispose();
    }

    [Fact]
    public void DataSync_FewAtOnce_EachFdatasyncsItsOwnFile()
    {
        _directGate.Set();
        var sync = FakeSync();
        using var file = OpenFile("a");

        for (var i = 0; i < 3; i++)
        {
            sync.DataSync(file, "a");
        }

        _directCalls.Should().Be(3);
        _roundCalls.Should().Be(0, "no caller waited: nothing joins a round");
    }

    [Fact]
    public async Task DataSync_JoinedWhileARoundRuns_ReturnsOnlyAfterTheNextRound()
    {
        var sync = FakeSync();
        var direct = await OccupyDirectSyncsAsync(sync);

        var first = SyncOnThread(sync, "first");
        await WaitUntilAsync(() => _roundCalls == 1, "the first joiner leads round 1");
        var second = SyncOnThread(sync, "second");
        await WaitUntilAsync(() => sync.Waiting == 2, "the second joiner waits");

        RoundGate(0).Set();
        await first.WaitAsync(Deadline);
        await WaitUntilAsync(() => _roundCalls == 2, "the second joiner leads round 2");
        second.IsCompleted.Should().BeFalse("its writes came after round 1's syncfs began: only round 2 covers them");

        RoundGate(1).Set();
        await second.WaitAsync(Deadline);
        _directGate.Set();
        await Task.WhenAll(direct).WaitAsync(Deadline);
        _roundCalls.Should().Be(2);
    }

    [Fact]
    public async Task DataSync_RoundFails_EveryMemberThrows()
    {
        _failRoundsFrom = 0;
        var sync = FakeSync();
        var direct = await OccupyDirectSyncsAsync(sync);

        var leader = SyncOnThread(sync, "leader");
        await WaitUntilAsync(() => _roundCalls == 1, "round 1 runs");
        var members = Enumerable.Range(0, 3).Select(i => SyncOnThread(sync, $"member{i}")).ToList();
        await WaitUntilAsync(() => sync.Waiting == 4, "three members wait for round 2");
        RoundGate(0).Set();
        RoundGate(1).Set();

        foreach (var task in members.Prepend(leader))
        {
            var thrown = await FluentActions.Awaiting(() => task.WaitAsync(Deadline)).Should().ThrowAsync<IOException>();
            thrown.Which.Message.Should().Contain("syncfs of its round failed");
        }

        _directGate.Set();
        await Task.WhenAll(direct).WaitAsync(Deadline); // their own fdatasyncs succeeded
        sync.Waiting.Should().Be(0);
    }

    [Fact]
    public async Task Append_RoundsSyncfsFails_NoAppendOfTheRoundIsAcknowledgedOrVisible()
    {
        _failRoundsFrom = 0;
        var store = new FileObjectStore(_directory.Path, timeProvider: null, lockTimeout: null, Guid.NewGuid(), bootIdIsReal: true, groupSync: FakeSync);
        var blobs = Enumerable.Range(0, GroupSync.DirectSyncs + 4).Select(i => $"f{i}/seg").ToList(); // a folder each: no shared lock stripe
        foreach (var blob in blobs)
        {
            await store.CreateAppendBlobAsync(blob);
        }

        // After the creates (which fsync without the group sync): the next DirectSyncs appends block in fdatasync.
        _directCalls = 0;
        var appends = blobs.Select(b => Task.Factory.StartNew(() => store.AppendBlockAsync(b, Bytes(b)).AsTask(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
        await WaitUntilAsync(() => _directCalls == GroupSync.DirectSyncs && _roundCalls == 1 && Waiting(store) == 4, "DirectSyncs appends in fdatasync, 4 in rounds");
        RoundGate(0).Set();
        RoundGate(1).Set();
        await WaitUntilAsync(() => appends.Count(t => t.IsFaulted) == 4, "the rounds' members fail");
        _directGate.Set();
        await Task.WhenAll(appends.Where(t => !t.IsFaulted)).WaitAsync(Deadline);

        var failed = blobs.Where((_, i) => appends[i].IsFaulted).ToList();
        foreach (var task in appends.Where(t => t.IsFaulted))
        {
            task.Exception!.InnerException.Should().BeOfType<StorageUnavailableException>().Which.Message.Should().Contain("syncfs of its round failed");
        }

        foreach (var blob in blobs)
        {
            var properties = await store.GetPropertiesAsync(blob);
            properties.Length.Should().Be(failed.Contains(blob) ? 0 : Bytes(blob).Length, $"'{blob}' holds exactly what was acknowledged");
        }

        // A later append to a blob whose append failed lands at its start: the unacknowledged block is gone.
        var retried = await store.AppendBlockAsync(failed[0], Bytes("again"));
        retried.AppendOffset.Should().Be(0);
        (await store.GetAsync(failed[0])).Content.ToArray().Should().Equal(Bytes("again"));
    }

    [Fact]
    public async Task Append_ManyAtOnceWithRealSyncfs_EveryAppendLandsAndReadsBack()
    {
        var store = new FileObjectStore(_directory.Path, timeProvider: null, lockTimeout: null, Guid.NewGuid(), bootIdIsReal: true,
            groupSync: root => new GroupSync(root, dataSync: BlockedDataSync));
        var blobs = Enumerable.Range(0, GroupSync.DirectSyncs + 8).Select(i => $"r{i}/seg").ToList();
        foreach (var blob in blobs)
        {
            await store.CreateAppendBlobAsync(blob);
        }

        _directCalls = 0;
        var appends = blobs.Select(b => Task.Factory.StartNew(() => store.AppendBlockAsync(b, Bytes(b)).AsTask(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
        await WaitUntilAsync(() => appends.Count(t => t.IsCompletedSuccessfully) == 8, "the 8 beyond the direct syncs complete through real syncfs rounds");
        _directGate.Set();
        await Task.WhenAll(appends).WaitAsync(Deadline);

        foreach (var blob in blobs)
        {
            (await store.GetAsync(blob)).Content.ToArray().Should().Equal(Bytes(blob));
        }
    }

    private GroupSync FakeSync() => FakeSync(_directory.Path);

    private GroupSync FakeSync(string root) => new(root, BlockedDataSync, FakeSyncFs);

    private Exception? BlockedDataSync(SafeFileHandle handle, string path)
    {
        Interlocked.Increment(ref _directCalls);
        if (!_directGate.Wait(Deadline))
        {
            throw new TimeoutException("the test never opened the fdatasync gate");
        }

        return null;
    }

    private Exception? FakeSyncFs(SafeFileHandle handle)
    {
        var round = Interlocked.Increment(ref _roundCalls) - 1;
        if (!RoundGate(round).Wait(Deadline))
        {
            throw new TimeoutException($"the test never opened round {round}'s gate");
        }

        return round >= _failRoundsFrom ? new IOException("injected: syncfs failed (EIO)") : null;
    }

    private ManualResetEventSlim RoundGate(int round)
    {
        lock (_roundGates)
        {
            while (_roundGates.Count <= round)
            {
                _roundGates.Add(new ManualResetEventSlim(initialState: false));
            }

            return _roundGates[round];
        }
    }

    /// <summary>Starts <see cref="GroupSync.DirectSyncs"/> syncs that block in their own fdatasync until the direct gate opens.</summary>
    private async Task<List<Task>> OccupyDirectSyncsAsync(GroupSync sync)
    {
        var direct = Enumerable.Range(0, GroupSync.DirectSyncs).Select(i => SyncOnThread(sync, $"direct{i}")).ToList();
        await WaitUntilAsync(() => _directCalls == GroupSync.DirectSyncs, "the direct syncs run");
        return direct;
    }

    private Task SyncOnThread(GroupSync sync, string name) => Task.Factory.StartNew(
        () =>
        {
            using var file = OpenFile(name);
            sync.DataSync(file, name);
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    private SafeFileHandle OpenFile(string name) =>
        File.OpenHandle(Path.Combine(_directory.Path, name), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);

    private static int Waiting(FileObjectStore store) => store.GroupSyncWaiting;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {Deadline.TotalSeconds} s: {what}.");
            }

            await Task.Delay(1);
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
