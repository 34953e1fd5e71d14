using FluentAssertions;
using Orleans.Storage;
using Runnel.Storage;
using Runnel.Testing;
using Xunit;

namespace Runnel.Persistence.Tests.Contract;

/// <summary>The grain-storage contract on the file store with <see cref="RunnelGrainStorageOptions.DeleteStateOnClear"/>
/// off: a clear leaves an empty tombstone blob.</summary>
public sealed class FileStoreTombstoneGrainStorageTests : GrainStorageContract
{
    private readonly TempDirectory _directory = new("grain-state");

    public FileStoreTombstoneGrainStorageTests()
    {
        Store = new FileObjectStore(_directory.Path);
    }

    protected override IObjectStore Store { get; }

    protected override void Configure(RunnelGrainStorageOptions options) => options.DeleteStateOnClear = false;

    [Fact]
    public async Task Clear_LeavesAnEmptyBlob_SoAWriterThatReadBeforeTheStateExistedIsRefused()
    {
        var grain = NewGrain();
        var readBeforeCreation = await ReadAsync(grain);
        var state = await WrittenAsync(grain, "a");

        await Storage.ClearStateAsync(StateName, grain, state);

        state.ETag.Should().NotBeNullOrEmpty();
        var blob = await Store.GetAsync(Storage.GetBlobName(StateName, grain));
        blob.Content.Length.Should().Be(0);
        blob.Properties.ETag.Value.Should().Be(state.ETag);
        readBeforeCreation.State!.Items.Add("late");
        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, grain, readBeforeCreation))
            .Should().ThrowAsync<InconsistentStateException>();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _directory.Dispose();
    }
}
