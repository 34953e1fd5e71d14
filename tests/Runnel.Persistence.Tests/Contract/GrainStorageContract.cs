using FluentAssertions;
using Orleans.Storage;
using Runnel.Storage;
using Xunit;

namespace Runnel.Persistence.Tests.Contract;

/// <summary>
/// What Orleans asks of an <see cref="IGrainStorage"/>, for <see cref="ObjectStoreGrainStorage"/> over every
/// <see cref="IObjectStore"/> implementation (file store, Azurite). Each test uses fresh grain keys.
/// </summary>
public abstract class GrainStorageContract : IDisposable
{
    private const string StorageName = "runnel";
    protected const string StateName = "s";

    private readonly Lazy<GrainStorages> _storages;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    protected GrainStorageContract()
    {
        _storages = new(() => GrainStorages.For(Store, StorageName, Configure));
    }

    protected abstract IObjectStore Store { get; }

    protected virtual void Configure(RunnelGrainStorageOptions options)
    {
    }

    protected ObjectStoreGrainStorage Storage => (ObjectStoreGrainStorage)_storages.Value.Get(StorageName);

    protected Orleans.Runtime.GrainId NewGrain(string? key = null) => Orleans.Runtime.GrainId.Create("counter", key ?? $"k-{_run}-{Guid.NewGuid():N}");

    protected static GrainState<CounterState> StateOf(params string[] items) =>
        new(new CounterState { Items = [.. items], Total = items.Length });

    protected async Task<GrainState<CounterState>> ReadAsync(Orleans.Runtime.GrainId grain, string stateName = StateName)
    {
        var state = new GrainState<CounterState>();
        await Storage.ReadStateAsync(stateName, grain, state);
        return state;
    }

    protected async Task<GrainState<CounterState>> WrittenAsync(Orleans.Runtime.GrainId grain, params string[] items)
    {
        var state = StateOf(items);
        await Storage.WriteStateAsync(StateName, grain, state);
        return state;
    }

    [Fact]
    public async Task Read_AbsentState_GivesDefaultStateWithoutETag()
    {
        var state = await ReadAsync(NewGrain());

        state.RecordExists.Should().BeFalse();
        state.ETag.Should().BeNull();
        state.State.Should().NotBeNull();
        state.State!.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsStateAndETag()
    {
        var grain = NewGrain();

        var written = await WrittenAsync(grain, "a", "b");

        written.ETag.Should().NotBeNullOrEmpty();
        written.RecordExists.Should().BeTrue();
        var read = await ReadAsync(grain);
        read.RecordExists.Should().BeTrue();
        read.ETag.Should().Be(written.ETag);
        read.State!.Items.Should().Equal("a", "b");
        read.State!.Total.Should().Be(2);
        (await Store.GetPropertiesAsync(Storage.GetBlobName(StateName, grain))).ETag.Value.Should().Be(written.ETag);
    }

    [Fact]
    public async Task Write_Again_AdvancesTheETag_AndTheNewStateIsRead()
    {
        var grain = NewGrain();
        var state = await WrittenAsync(grain, "a");
        var first = state.ETag;

        state.State!.Items.Add("b");
        await Storage.WriteStateAsync(StateName, grain, state);

        state.ETag.Should().NotBeNullOrEmpty().And.NotBe(first);
        var read = await ReadAsync(grain);
        read.ETag.Should().Be(state.ETag);
        read.State!.Items.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Write_StaleETag_ThrowsInconsistentState_AndLeavesTheStoredStateUnchanged()
    {
        var grain = NewGrain();
        var stale = await WrittenAsync(grain, "a");
        var current = await ReadAsync(grain);
        current.State!.Items.Add("b");
        await Storage.WriteStateAsync(StateName, grain, current);
        var staleETag = stale.ETag;

        stale.State!.Items.Add("stale");
        var thrown = await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, grain, stale))
            .Should().ThrowAsync<InconsistentStateException>();

        thrown.Which.StoredEtag.Should().Be(current.ETag);
        thrown.Which.CurrentEtag.Should().Be(staleETag);
        stale.ETag.Should().Be(staleETag, "a refused write leaves the grain's ETag as it was");
        var read = await ReadAsync(grain);
        read.ETag.Should().Be(current.ETag);
        read.State!.Items.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Write_WithoutETagWhenTheStateExists_ThrowsInconsistentState()
    {
        var grain = NewGrain();
        var neverRead = StateOf("late");
        var first = await WrittenAsync(grain, "first");

        var thrown = await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, grain, neverRead))
            .Should().ThrowAsync<InconsistentStateException>();

        thrown.Which.StoredEtag.Should().Be(first.ETag);
        thrown.Which.CurrentEtag.Should().BeNull();
        (await ReadAsync(grain)).State!.Items.Should().Equal("first");
    }

    [Fact]
    public async Task Write_TwoConcurrentWritersWithTheSameETag_ExactlyOneWins()
    {
        var grain = NewGrain();
        var start = await WrittenAsync(grain, "start");
        const int Writers = 8;
        var states = Enumerable.Range(0, Writers)
            .Select(i => new GrainState<CounterState>(new CounterState { Items = ["start", $"w{i}"] }) { ETag = start.ETag, RecordExists = true })
            .ToArray();

        var outcomes = await Task.WhenAll(states.Select(state => Task.Run(async () =>
        {
            try
            {
                await Storage.WriteStateAsync(StateName, grain, state);
                return (Exception?)null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        })));

        outcomes.Count(o => o is null).Should().Be(1, "one conditional write on one ETag can succeed");
        outcomes.Where(o => o is not null).Should().AllBeOfType<InconsistentStateException>();
        var winner = states[Array.IndexOf(outcomes, null)];
        var read = await ReadAsync(grain);
        read.ETag.Should().Be(winner.ETag);
        read.State!.Items.Should().Equal(winner.State!.Items);
    }

    [Fact]
    public async Task Clear_ThenRead_IsAbsentAgain_AndANewWriteStartsOver()
    {
        var grain = NewGrain();
        var state = await WrittenAsync(grain, "a");

        await Storage.ClearStateAsync(StateName, grain, state);

        state.RecordExists.Should().BeFalse();
        state.State!.Items.Should().BeEmpty();
        var read = await ReadAsync(grain);
        read.RecordExists.Should().BeFalse();
        read.State!.Items.Should().BeEmpty();
        read.ETag.Should().Be(state.ETag, "the grain holds the ETag its clear left (null after a delete, the tombstone's otherwise)");

        read.State!.Items.Add("again");
        await Storage.WriteStateAsync(StateName, grain, read);
        (await ReadAsync(grain)).State!.Items.Should().Equal("again");
    }

    [Fact]
    public async Task Clear_StaleETag_ThrowsInconsistentState_AndKeepsTheState()
    {
        var grain = NewGrain();
        var stale = await WrittenAsync(grain, "a");
        var current = await ReadAsync(grain);
        current.State!.Items.Add("b");
        await Storage.WriteStateAsync(StateName, grain, current);

        var thrown = await FluentActions.Awaiting(() => Storage.ClearStateAsync(StateName, grain, stale))
            .Should().ThrowAsync<InconsistentStateException>();

        thrown.Which.StoredEtag.Should().Be(current.ETag);
        var read = await ReadAsync(grain);
        read.RecordExists.Should().BeTrue();
        read.State!.Items.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Write_AfterAnotherActivationCleared_ThrowsInconsistentState()
    {
        var grain = NewGrain();
        var mine = await WrittenAsync(grain, "a");
        var other = await ReadAsync(grain);
        await Storage.ClearStateAsync(StateName, grain, other);

        mine.State!.Items.Add("b");
        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, grain, mine))
            .Should().ThrowAsync<InconsistentStateException>();

        (await ReadAsync(grain)).RecordExists.Should().BeFalse();
    }

    [Fact]
    public async Task Clear_AbsentStateWithoutETag_Succeeds()
    {
        var grain = NewGrain();
        var state = await ReadAsync(grain);

        await Storage.ClearStateAsync(StateName, grain, state);

        state.RecordExists.Should().BeFalse();
        (await ReadAsync(grain)).RecordExists.Should().BeFalse();
    }

    [Fact]
    public async Task Clear_WithoutETagWhenTheStateExists_ThrowsInconsistentState_AndKeepsTheState()
    {
        var grain = NewGrain();
        var neverRead = await ReadAsync(grain);
        await WrittenAsync(grain, "a");

        await FluentActions.Awaiting(() => Storage.ClearStateAsync(StateName, grain, neverRead))
            .Should().ThrowAsync<InconsistentStateException>();

        (await ReadAsync(grain)).State!.Items.Should().Equal("a");
    }

    private static readonly string[] AwkwardKeys =
    [
        "plain",
        "a/b",
        "a_2Fb",
        "a%2Fb",
        "a\\b",
        ".",
        "..",
        "ends.",
        " leading space",
        "tab\there\u0001",
        "Großes/中文/ü/🦀",
        "UPPER",
        "upper",
        new string('x', 5000),
        new string('x', 5000) + "y",
        string.Concat(Enumerable.Repeat("ü/", 700)),
    ];

    [Fact]
    public async Task AwkwardGrainKeys_MapToValidDistinctBlobs_AndEachRoundTrips()
    {
        var grains = AwkwardKeys.Select(key => Orleans.Runtime.GrainId.Create($"awkward{_run}", key)).ToArray();
        var names = grains.Select(g => Storage.GetBlobName(StateName, g)).ToArray();

        foreach (var name in names)
        {
            FluentActions.Invoking(() => BlobNames.Validate(name)).Should().NotThrow();
            name.Length.Should().BeLessThanOrEqualTo(ObjectStoreLimits.MaxBlobNameLength);
        }

        names.Should().OnlyHaveUniqueItems();
        for (var i = 0; i < grains.Length; i++)
        {
            await WrittenAsync(grains[i], $"key {i}");
        }

        for (var i = 0; i < grains.Length; i++)
        {
            (await ReadAsync(grains[i])).State!.Items.Should().Equal([$"key {i}"], $"key #{i} reads its own state");
        }

        var prefix = $"grains/{StorageName}/awkward{_run}/";
        var listed = new List<string>();
        await foreach (var item in Store.ListAllAsync(prefix))
        {
            listed.Add(item.Name);
        }

        listed.Should().BeEquivalentTo(names);
    }

    [Fact]
    public async Task StateNames_AndStorageNames_KeepStatesApart()
    {
        var grain = NewGrain();
        await WrittenAsync(grain, "in s");
        var other = StateOf("in other");

        await Storage.WriteStateAsync("other/state", grain, other);

        (await ReadAsync(grain)).State!.Items.Should().Equal("in s");
        (await ReadAsync(grain, "other/state")).State!.Items.Should().Equal("in other");
        using var second = GrainStorages.For(Store, "second", Configure);
        var inSecond = new GrainState<CounterState>();
        await second.Get("second").ReadStateAsync(StateName, grain, inSecond);
        inSecond.RecordExists.Should().BeFalse();
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _storages.IsValueCreated)
        {
            _storages.Value.Dispose();
        }
    }
}
