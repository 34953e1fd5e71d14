using System.Text;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

public sealed class FaultInjectingObjectStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("faults");
    private readonly FileObjectStore _inner;

    public FaultInjectingObjectStoreTests() => _inner = new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task LostResponse_OnAppend_AppendHappensButCallerSeesOutcomeUnknown()
    {
        var store = new FaultInjectingObjectStore(_inner);
        await store.CreateAppendBlobAsync("seg");
        store.FailNext(1, StorageOperation.AppendBlock, StorageFaultKind.LostResponse);

        var act = async () => await store.AppendBlockAsync("seg", Bytes("abc"), AppendCondition.AtPosition(0));

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeTrue();
        error.IsRetriable.Should().BeTrue();
        error.StoreErrorCode.Should().Be("InjectedLostResponse");
        (await _inner.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("abc"), "the lost-response fault performs the write");
        var retry = async () => await store.AppendBlockAsync("seg", Bytes("abc"), AppendCondition.AtPosition(0));
        (await retry.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.AppendPosition, "a blind retry of the landed append is fenced by its position");
        store.InjectedCount(StorageFaultKind.LostResponse).Should().Be(1);
    }

    [Fact]
    public async Task LostResponse_OnPut_PutHappens()
    {
        var store = new FaultInjectingObjectStore(_inner);
        store.FailNext(1, StorageOperation.Put, StorageFaultKind.LostResponse);

        var act = async () => await store.PutAsync("x", Bytes("1"), BlobCondition.IfNotExists);

        (await act.Should().ThrowAsync<StorageUnavailableException>()).Which.IsOutcomeUnknown.Should().BeTrue();
        (await _inner.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("1"));
    }

    [Theory]
    [InlineData(StorageFaultKind.Unavailable)]
    [InlineData(StorageFaultKind.Throttled)]
    public async Task FailNext_BeforeTheStore_NothingHappensAndTheErrorIsRetriable(StorageFaultKind kind)
    {
        var store = new FaultInjectingObjectStore(_inner);
        store.FailNext(2, StorageOperation.Put, kind);

        for (var i = 0; i < 2; i++)
        {
            var act = async () => await store.PutAsync("x", Bytes("1"));
            var error = (await act.Should().ThrowAsync<StorageException>()).Which;
            error.Should().BeOfType(kind == StorageFaultKind.Throttled ? typeof(StorageThrottledException) : typeof(StorageUnavailableException));
            error.IsRetriable.Should().BeTrue();
            error.IsOutcomeUnknown.Should().BeFalse();
            (await _inner.TryGetAsync("x")).Should().BeNull("a fault before the store means nothing was written");
        }

        await store.PutAsync("x", Bytes("1"));
        (await _inner.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("1"));
        store.InjectedCount(kind, StorageOperation.Put).Should().Be(2);
        store.InjectedCount(kind, StorageOperation.Reads).Should().Be(0);
        store.TotalInjected.Should().Be(2);
    }

    [Fact]
    public async Task FailNext_WithNameFilter_OnlyMatchingNamesAndOperationsFail()
    {
        var store = new FaultInjectingObjectStore(_inner);
        await store.CreateAppendBlobAsync("topics/a");
        await store.CreateAppendBlobAsync("members/a");
        store.FailNext(1, StorageOperation.AppendBlock, StorageFaultKind.Unavailable, name => name.StartsWith("topics/", StringComparison.Ordinal));

        await store.PutAsync("topics/b", Bytes("x"));
        await store.AppendBlockAsync("members/a", Bytes("x"));
        var act = async () => await store.AppendBlockAsync("topics/a", Bytes("x"));
        await act.Should().ThrowAsync<StorageUnavailableException>();
        await store.AppendBlockAsync("topics/a", Bytes("x"));

        store.TotalInjected.Should().Be(1);
    }

    [Fact]
    public async Task RandomFaults_SameSeed_SameFaultSequence()
    {
        var options = new FaultInjectionOptions
        {
            Seed = 42,
            Default = new FaultProbabilities(Unavailable: 0.2, Throttled: 0.1, LostResponse: 0.2),
            Probabilities = new Dictionary<StorageOperation, FaultProbabilities> { [StorageOperation.GetProperties] = FaultProbabilities.None },
        };

        var first = await RecordFaultsAsync(new FaultInjectingObjectStore(_inner, options), "a");
        var second = await RecordFaultsAsync(new FaultInjectingObjectStore(_inner, options), "b");
        var otherSeed = await RecordFaultsAsync(new FaultInjectingObjectStore(_inner, options with { Seed = 43 }), "c");

        first.Should().Equal(second);
        first.Should().NotEqual(otherSeed);
        first.Distinct().Should().HaveCount(4, "200 calls at these odds meet every fault and some successes");
    }

    [Fact]
    public async Task Latency_IsWaitedOnTheInjectedClock()
    {
        var time = new ManualTimeProvider();
        var store = new FaultInjectingObjectStore(_inner, new FaultInjectionOptions { MinLatency = TimeSpan.FromSeconds(5), MaxLatency = TimeSpan.FromSeconds(5) }, time);

        var put = store.PutAsync("x", Bytes("1")).AsTask();

        put.IsCompleted.Should().BeFalse("the call waits 5 s on a clock that has not moved");
        (await _inner.TryGetAsync("x")).Should().BeNull();
        time.Advance(TimeSpan.FromSeconds(4.9));
        put.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(0.1));
        await put.WaitAsync(TimeSpan.FromSeconds(30));
        (await _inner.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("1"));
    }

    private static async Task<List<string>> RecordFaultsAsync(FaultInjectingObjectStore store, string prefix)
    {
        var outcomes = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                await store.PutAsync($"{prefix}/{i}", Bytes("x"));
                await store.GetPropertiesAsync($"{prefix}/{i}");
                outcomes.Add("ok");
            }
            catch (StorageException ex)
            {
                outcomes.Add(ex.StoreErrorCode ?? "?");
            }
        }

        return outcomes;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
