using FluentAssertions;
using Runnel.Storage;
using Runnel.Testing;
using Xunit;

namespace Runnel.Persistence.Tests.Contract;

/// <summary>The grain-storage contract on the file store (the embedded default).</summary>
public sealed class FileStoreGrainStorageTests : GrainStorageContract
{
    private readonly TempDirectory _directory = new("grain-state");
    private readonly FaultInjectingObjectStore _store;

    public FileStoreGrainStorageTests()
    {
        _store = new FaultInjectingObjectStore(new FileObjectStore(_directory.Path));
    }

    protected override IObjectStore Store => _store;

    [Fact]
    public async Task Write_StoreThrottled_PropagatesTheTypedStorageError()
    {
        var grain = NewGrain();
        _store.FailNext(1, StorageOperation.Put, StorageFaultKind.Throttled);

        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, grain, StateOf("a")))
            .Should().ThrowAsync<StorageThrottledException>();

        (await ReadAsync(grain)).RecordExists.Should().BeFalse();
    }

    [Fact]
    public async Task Read_StoreUnavailable_PropagatesTheTypedStorageError()
    {
        var grain = NewGrain();
        await WrittenAsync(grain, "a");
        _store.FailNext(1, StorageOperation.Get, StorageFaultKind.Unavailable);

        await FluentActions.Awaiting(() => Storage.ReadStateAsync(StateName, grain, new GrainState<CounterState>()))
            .Should().ThrowAsync<StorageUnavailableException>();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _directory.Dispose();
    }
}
