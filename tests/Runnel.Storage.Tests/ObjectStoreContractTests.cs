using System.Text;
using FluentAssertions;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>
/// The one contract every <see cref="IObjectStore"/> passes (STYLE.md point 18). A subclass supplies a store over a
/// fresh, empty namespace per test and is named for the store (<c>FileObjectStoreContractTests</c>,
/// <c>AzuriteObjectStoreContractTests</c>). Nothing here may assume a particular implementation: only what
/// <see cref="IObjectStore"/>'s documentation promises. Lease expiry needs a fake clock (or 15 s of waiting on a real
/// store) and is left to implementation-specific suites.
/// </summary>
public abstract class ObjectStoreContractTests : IAsyncLifetime
{
    private const int Concurrency = 16;
    private IObjectStore? _store;

    /// <summary>The store under test, created by <see cref="CreateStoreAsync"/> before each test.</summary>
    protected IObjectStore Store => _store ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Returns a store over a fresh, empty namespace (a new directory, a new container). Called once per test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Releases what <see cref="CreateStoreAsync"/> made. Called once per test, after it.</summary>
    protected virtual Task DisposeStoreAsync(IObjectStore store) => Task.CompletedTask;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await DisposeStoreAsync(_store);
        }
    }

    // ---- put / get ------------------------------------------------------------------------------

    [Fact]
    public async Task Put_NewBlob_GetReturnsContentAndSameETag()
    {
        var content = Bytes("hello, runnel");

        var put = await Store.PutAsync("a/b", content);
        var got = await Store.GetAsync("a/b");

        got.Content.ToArray().Should().Equal(content);
        got.Offset.Should().Be(0);
        got.Properties.ETag.Should().Be(put.ETag);
        got.Properties.Length.Should().Be(content.Length);
        got.Properties.Kind.Should().Be(BlobKind.Block);
        got.Properties.IsSealed.Should().BeFalse();
        got.Properties.CommittedBlockCount.Should().Be(0);
        got.Properties.Lease.Should().Be(BlobLeaseState.Available);
        got.Properties.Name.Should().Be("a/b");
    }

    [Fact]
    public async Task Put_Overwrite_ChangesETagAndContent()
    {
        var first = await Store.PutAsync("x", Bytes("one"));
        var second = await Store.PutAsync("x", Bytes("one"));

        second.ETag.Should().NotBe(first.ETag, "every write changes the ETag, even with the same bytes");
        var props = await Store.GetPropertiesAsync("x");
        props.ETag.Should().Be(second.ETag);
        props.LastModified.Should().Be(second.LastModified);
    }

    [Fact]
    public async Task Put_EmptyContent_RoundTrips()
    {
        await Store.PutAsync("empty", ReadOnlyMemory<byte>.Empty);

        var got = await Store.GetAsync("empty");

        got.Content.Length.Should().Be(0);
        got.Properties.Length.Should().Be(0);
    }

    [Fact]
    public async Task Put_IfMatchWithCurrentETag_Succeeds()
    {
        var first = await Store.PutAsync("x", Bytes("1"));

        var second = await Store.PutAsync("x", Bytes("2"), BlobCondition.IfETagMatches(first.ETag));

        (await Store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("2"));
        second.ETag.Should().NotBe(first.ETag);
    }

    [Fact]
    public async Task Put_IfMatchWithStaleETag_ThrowsETagMismatchAndKeepsContent()
    {
        var first = await Store.PutAsync("x", Bytes("1"));
        await Store.PutAsync("x", Bytes("2"));

        var act = async () => await Store.PutAsync("x", Bytes("3"), BlobCondition.IfETagMatches(first.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
        (await Store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("2"));
    }

    [Fact]
    public async Task Put_IfMatchOnMissingBlob_ThrowsETagMismatch()
    {
        var put = await Store.PutAsync("x", Bytes("1"));
        await Store.DeleteAsync("x");

        var act = async () => await Store.PutAsync("x", Bytes("2"), BlobCondition.IfETagMatches(put.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
        (await Store.TryGetAsync("x")).Should().BeNull();
    }

    [Fact]
    public async Task Put_DeletedAndRecreated_OldETagDoesNotMatchNewBlob()
    {
        var old = await Store.PutAsync("x", Bytes("1"));
        await Store.DeleteAsync("x");
        await Store.PutAsync("x", Bytes("1"));

        var act = async () => await Store.PutAsync("x", Bytes("2"), BlobCondition.IfETagMatches(old.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
    }

    [Fact]
    public async Task Put_IfNotExistsOnExistingBlob_ThrowsAlreadyExists()
    {
        await Store.PutAsync("x", Bytes("1"));

        var act = async () => await Store.PutAsync("x", Bytes("2"), BlobCondition.IfNotExists);

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.AlreadyExists);
        (await Store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("1"));
    }

    [Fact]
    public async Task Put_ConcurrentIfMatchWritersOnOneETag_ExactlyOneWins()
    {
        var initial = await Store.PutAsync("counter", Bytes("0"));
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async i =>
            await Store.PutAsync("counter", Bytes($"writer {i}"), BlobCondition.IfETagMatches(initial.ETag)));

        var winners = outcomes.Where(o => o.Result is not null).ToList();
        winners.Should().ContainSingle("If-Match must let exactly one of the writers that read the same ETag through");
        outcomes.Where(o => o.Error is not null).Should().AllSatisfy(o =>
            o.Error.Should().BeOfType<PreconditionFailedException>().Which.Kind.Should().Be(PreconditionKind.ETagMismatch));
        var final = await Store.GetAsync("counter");
        final.Content.ToArray().Should().Equal(Bytes($"writer {winners[0].Index}"));
        final.Properties.ETag.Should().Be(winners[0].Result!.Value.ETag);
    }

    [Fact]
    public async Task Put_ConcurrentIfNotExistsCreates_ExactlyOneWinsRestAlreadyExists()
    {
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async i =>
            await Store.PutAsync("owner", Bytes($"creator {i}"), BlobCondition.IfNotExists));

        var winners = outcomes.Where(o => o.Result is not null).ToList();
        winners.Should().ContainSingle();
        outcomes.Where(o => o.Error is not null).Should().HaveCount(Concurrency - 1).And.AllSatisfy(o =>
            o.Error.Should().BeOfType<PreconditionFailedException>().Which.Kind.Should().Be(PreconditionKind.AlreadyExists));
        (await Store.GetAsync("owner")).Content.ToArray().Should().Equal(Bytes($"creator {winners[0].Index}"));
    }

    [Fact]
    public async Task CreateAppendBlob_ConcurrentIfNotExists_ExactlyOneWins()
    {
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async _ =>
            await Store.CreateAppendBlobAsync("segment", BlobCondition.IfNotExists));

        outcomes.Count(o => o.Result is not null).Should().Be(1);
        outcomes.Where(o => o.Error is not null).Should().AllSatisfy(o =>
            o.Error.Should().BeOfType<PreconditionFailedException>().Which.Kind.Should().Be(PreconditionKind.AlreadyExists));
    }

    // ---- ranged reads ---------------------------------------------------------------------------

    [Theory]
    [InlineData(0, null, 0, 100)]
    [InlineData(0, 1L, 0, 1)]
    [InlineData(40, 20L, 40, 20)]
    [InlineData(40, null, 40, 60)]
    [InlineData(99, null, 99, 1)]
    [InlineData(99, 1L, 99, 1)]
    [InlineData(90, 50L, 90, 10)]
    [InlineData(100, null, 100, 0)]
    [InlineData(100, 5L, 100, 0)]
    [InlineData(250, 5L, 250, 0)]
    public async Task Get_Range_ReturnsBytesCutAtEndAndWholeLength(long offset, long? length, long expectedOffset, int expectedLength)
    {
        var content = Pattern(100, seed: 7);
        await Store.PutAsync("r", content);

        var got = await Store.GetAsync("r", new ByteRange(offset, length));

        got.Offset.Should().Be(expectedOffset);
        got.Content.ToArray().Should().Equal(content.AsSpan((int)Math.Min(expectedOffset, 100), expectedLength).ToArray());
        got.Properties.Length.Should().Be(100, "Properties.Length is the whole blob's length, not the range's");
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(0, 10L)]
    [InlineData(3, null)]
    public async Task Get_RangeOfEmptyBlob_ReturnsEmpty(long offset, long? length)
    {
        await Store.PutAsync("empty", ReadOnlyMemory<byte>.Empty);

        var got = await Store.GetAsync("empty", new ByteRange(offset, length));

        got.Content.Length.Should().Be(0);
        got.Properties.Length.Should().Be(0);
    }

    [Fact]
    public async Task Get_RangeOfAppendBlob_ReturnsCommittedBytes()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));
        await Store.AppendBlockAsync("seg", Bytes("defg"));

        var got = await Store.GetAsync("seg", new ByteRange(2, 3));

        got.Content.ToArray().Should().Equal(Bytes("cde"));
        got.Properties.Length.Should().Be(7);
    }

    [Fact]
    public async Task Get_NegativeOffset_ThrowsInvalidArgument()
    {
        await Store.PutAsync("x", Bytes("1"));

        var act = async () => await Store.GetAsync("x", new ByteRange(-1));

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
    }

    // ---- delete ---------------------------------------------------------------------------------

    [Fact]
    public async Task Delete_ExistingBlob_GetThenThrowsNotFound()
    {
        await Store.PutAsync("x", Bytes("1"));

        await Store.DeleteAsync("x");

        var act = async () => await Store.GetAsync("x");
        (await act.Should().ThrowAsync<BlobNotFoundException>()).Which.BlobName.Should().Be("x");
    }

    [Fact]
    public async Task Delete_WrongETag_ThrowsETagMismatchAndKeepsBlob()
    {
        var first = await Store.PutAsync("x", Bytes("1"));
        await Store.PutAsync("x", Bytes("2"));

        var act = async () => await Store.DeleteAsync("x", BlobCondition.IfETagMatches(first.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
        (await Store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("2"));
    }

    [Fact]
    public async Task Delete_RightETag_Deletes()
    {
        var put = await Store.PutAsync("x", Bytes("1"));

        await Store.DeleteAsync("x", BlobCondition.IfETagMatches(put.ETag));

        (await Store.TryGetPropertiesAsync("x")).Should().BeNull();
    }

    [Fact]
    public async Task Delete_AppendBlob_Deletes()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));
        await Store.SealAsync("seg");

        await Store.DeleteAsync("seg");

        (await Store.TryGetAsync("seg")).Should().BeNull();
    }

    // ---- append blobs ---------------------------------------------------------------------------

    [Fact]
    public async Task AppendBlock_Blocks_LandInOrderWithOffsetsAndCounts()
    {
        var created = await Store.CreateAppendBlobAsync("seg");
        var props0 = await Store.GetPropertiesAsync("seg");
        props0.Kind.Should().Be(BlobKind.Append);
        props0.Length.Should().Be(0);
        props0.ETag.Should().Be(created.ETag);

        var r1 = await Store.AppendBlockAsync("seg", Bytes("abc"));
        var r2 = await Store.AppendBlockAsync("seg", Bytes("de"), AppendCondition.AtPosition(3));

        r1.AppendOffset.Should().Be(0);
        r1.CommittedBlockCount.Should().Be(1);
        r2.AppendOffset.Should().Be(3);
        r2.CommittedBlockCount.Should().Be(2);
        r1.ETag.Should().NotBe(created.ETag);
        r2.ETag.Should().NotBe(r1.ETag);
        var got = await Store.GetAsync("seg");
        got.Content.ToArray().Should().Equal(Bytes("abcde"));
        got.Properties.ETag.Should().Be(r2.ETag);
        got.Properties.CommittedBlockCount.Should().Be(2);
        got.Properties.Kind.Should().Be(BlobKind.Append);
    }

    [Fact]
    public async Task AppendBlock_AppendPositionMismatch_ThrowsAppendPositionAndAppendsNothing()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));

        var behind = async () => await Store.AppendBlockAsync("seg", Bytes("x"), AppendCondition.AtPosition(2));
        var ahead = async () => await Store.AppendBlockAsync("seg", Bytes("x"), AppendCondition.AtPosition(4));

        (await behind.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.AppendPosition);
        (await ahead.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.AppendPosition);
        var props = await Store.GetPropertiesAsync("seg");
        props.Length.Should().Be(3);
        props.CommittedBlockCount.Should().Be(1);
    }

    [Fact]
    public async Task AppendBlock_ConcurrentAppendsAtOnePosition_ExactlyOneWins()
    {
        await Store.CreateAppendBlobAsync("seg");
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async i =>
            await Store.AppendBlockAsync("seg", Bytes($"block {i:D2}"), AppendCondition.AtPosition(0)));

        var winners = outcomes.Where(o => o.Result is not null).ToList();
        winners.Should().ContainSingle();
        outcomes.Where(o => o.Error is not null).Should().AllSatisfy(o =>
            o.Error.Should().BeOfType<PreconditionFailedException>().Which.Kind.Should().Be(PreconditionKind.AppendPosition));
        (await Store.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes($"block {winners[0].Index:D2}"));
    }

    [Fact]
    public async Task AppendBlock_ConcurrentUnconditionalAppends_AllLandWhole()
    {
        await Store.CreateAppendBlobAsync("seg");
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async i =>
            await Store.AppendBlockAsync("seg", Bytes($"<{i:D2}>")));

        outcomes.Should().AllSatisfy(o => o.Error.Should().BeNull());
        var content = await Store.GetAsync("seg");
        content.Properties.Length.Should().Be(Concurrency * 4);
        content.Properties.CommittedBlockCount.Should().Be(Concurrency);
        foreach (var o in outcomes)
        {
            var offset = (int)o.Result!.Value.AppendOffset;
            content.Content.Slice(offset, 4).ToArray().Should().Equal(Bytes($"<{o.Index:D2}>"));
        }
    }

    [Fact]
    public async Task AppendBlock_MaxSizeExceeded_ThrowsMaxSize()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abcd"));

        var fits = await Store.AppendBlockAsync("seg", Bytes("ef"), new AppendCondition(MaxSize: 6));
        var act = async () => await Store.AppendBlockAsync("seg", Bytes("g"), new AppendCondition(MaxSize: 6));

        fits.AppendOffset.Should().Be(4);
        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.MaxSize);
        (await Store.GetPropertiesAsync("seg")).Length.Should().Be(6);
    }

    [Fact]
    public async Task AppendBlock_IfMatchStale_ThrowsETagMismatch()
    {
        var created = await Store.CreateAppendBlobAsync("seg");
        var appended = await Store.AppendBlockAsync("seg", Bytes("a"), new AppendCondition(IfMatch: created.ETag));

        var act = async () => await Store.AppendBlockAsync("seg", Bytes("b"), new AppendCondition(IfMatch: created.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
        (await Store.AppendBlockAsync("seg", Bytes("b"), new AppendCondition(IfMatch: appended.ETag))).AppendOffset.Should().Be(1);
    }

    [Fact]
    public async Task AppendBlock_MissingBlob_ThrowsNotFound()
    {
        var act = async () => await Store.AppendBlockAsync("nope", Bytes("a"));

        (await act.Should().ThrowAsync<BlobNotFoundException>()).Which.BlobName.Should().Be("nope");
    }

    [Fact]
    public async Task AppendBlock_OnBlockBlob_ThrowsConflict()
    {
        await Store.PutAsync("block", Bytes("a"));

        var act = async () => await Store.AppendBlockAsync("block", Bytes("b"));

        (await act.Should().ThrowAsync<StorageConflictException>()).Which.BlobName.Should().Be("block");
    }

    [Fact]
    public async Task AppendBlock_EmptyOrOversizedBlock_ThrowsInvalidArgument()
    {
        await Store.CreateAppendBlobAsync("seg");

        var empty = async () => await Store.AppendBlockAsync("seg", ReadOnlyMemory<byte>.Empty);
        var oversized = async () => await Store.AppendBlockAsync("seg", new byte[ObjectStoreLimits.MaxAppendBlockBytes + 1]);

        (await empty.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        (await oversized.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        (await Store.GetPropertiesAsync("seg")).Length.Should().Be(0);
    }

    [Fact]
    public async Task CreateAppendBlob_OverExistingBlob_ReplacesWithEmptyAppendBlob()
    {
        await Store.PutAsync("x", Bytes("block content"));

        await Store.CreateAppendBlobAsync("x");

        var props = await Store.GetPropertiesAsync("x");
        props.Kind.Should().Be(BlobKind.Append);
        props.Length.Should().Be(0);
    }

    [Fact]
    public async Task CreateAppendBlob_IfNotExistsOnExisting_ThrowsAlreadyExistsAndKeepsContent()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));

        var act = async () => await Store.CreateAppendBlobAsync("seg", BlobCondition.IfNotExists);

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.AlreadyExists);
        (await Store.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("abc"));
    }

    [Fact]
    public async Task AppendBlock_SixtyFourMiBFromSixteenBlocks_ReadsBackExactlyWholeAndByRanges()
    {
        const int blockSize = ObjectStoreLimits.MaxAppendBlockBytes;
        const int blocks = 16;
        await Store.CreateAppendBlobAsync("big");
        var expected = new byte[blockSize * blocks];
        for (var i = 0; i < blocks; i++)
        {
            var block = Pattern(blockSize, seed: i);
            block.CopyTo(expected, i * blockSize);
            var result = await Store.AppendBlockAsync("big", block, AppendCondition.AtPosition((long)i * blockSize));
            result.CommittedBlockCount.Should().Be(i + 1);
        }

        var whole = await Store.GetAsync("big");
        whole.Properties.Length.Should().Be(expected.Length);
        whole.Properties.CommittedBlockCount.Should().Be(blocks);
        whole.Content.Span.SequenceEqual(expected).Should().BeTrue("the whole 64 MiB must read back byte-exact");

        foreach (var (offset, length) in new[] { (0L, 10L), (blockSize - 3L, 7L), (7L * blockSize + 12_345, 3L * blockSize), (expected.Length - 1L, 1L), (expected.Length - 100L, 1000L) })
        {
            var range = await Store.GetAsync("big", new ByteRange(offset, length));
            var cut = (int)Math.Min(length, expected.Length - offset);
            range.Offset.Should().Be(offset);
            range.Content.Span.SequenceEqual(expected.AsSpan((int)offset, cut)).Should().BeTrue($"range {offset}+{length} must match");
            range.Properties.Length.Should().Be(expected.Length);
        }
    }

    // ---- seal -----------------------------------------------------------------------------------

    [Fact]
    public async Task AppendBlock_AfterSeal_ThrowsSealed()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));

        await Store.SealAsync("seg");
        var act = async () => await Store.AppendBlockAsync("seg", Bytes("d"));

        (await act.Should().ThrowAsync<BlobSealedException>()).Which.BlobName.Should().Be("seg");
        var got = await Store.GetAsync("seg");
        got.Content.ToArray().Should().Equal(Bytes("abc"));
        got.Properties.IsSealed.Should().BeTrue();
    }

    [Fact]
    public async Task Seal_Twice_SucceedsAndReportsCurrentETag()
    {
        await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));

        await Store.SealAsync("seg");
        var second = await Store.SealAsync("seg");

        // Sealing may change the ETag (Azurite does; Azure and the file store do not): the result reports the current one.
        var got = await Store.GetAsync("seg");
        got.Properties.IsSealed.Should().BeTrue();
        got.Properties.ETag.Should().Be(second.ETag);
        got.Content.ToArray().Should().Equal(Bytes("abc"));
    }

    [Fact]
    public async Task Seal_IfMatchStale_ThrowsETagMismatchAndDoesNotSeal()
    {
        var created = await Store.CreateAppendBlobAsync("seg");
        await Store.AppendBlockAsync("seg", Bytes("abc"));

        var act = async () => await Store.SealAsync("seg", BlobCondition.IfETagMatches(created.ETag));

        (await act.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.ETagMismatch);
        (await Store.GetPropertiesAsync("seg")).IsSealed.Should().BeFalse();
    }

    [Fact]
    public async Task Seal_MissingBlob_ThrowsNotFound()
    {
        var act = async () => await Store.SealAsync("nope");

        await act.Should().ThrowAsync<BlobNotFoundException>();
    }

    [Fact]
    public async Task Seal_BlockBlob_ThrowsConflict()
    {
        await Store.PutAsync("block", Bytes("a"));

        var act = async () => await Store.SealAsync("block");

        await act.Should().ThrowAsync<StorageConflictException>();
    }

    // ---- not found ------------------------------------------------------------------------------

    [Fact]
    public async Task Get_MissingBlob_ThrowsNotFoundNamingIt()
    {
        var get = async () => await Store.GetAsync("missing/blob");
        var range = async () => await Store.GetAsync("missing/blob", new ByteRange(1, 2));
        var props = async () => await Store.GetPropertiesAsync("missing/blob");
        var delete = async () => await Store.DeleteAsync("missing/blob");

        (await get.Should().ThrowAsync<BlobNotFoundException>()).Which.Code.Should().Be(RunnelErrorCode.BlobNotFound);
        (await range.Should().ThrowAsync<BlobNotFoundException>()).Which.BlobName.Should().Be("missing/blob");
        (await props.Should().ThrowAsync<BlobNotFoundException>()).Which.BlobName.Should().Be("missing/blob");
        (await delete.Should().ThrowAsync<BlobNotFoundException>()).Which.BlobName.Should().Be("missing/blob");
    }

    [Fact]
    public async Task Lease_MissingBlob_ThrowsNotFound()
    {
        var act = async () => await Store.AcquireLeaseAsync("missing", TimeSpan.FromSeconds(15));

        await act.Should().ThrowAsync<BlobNotFoundException>();
    }

    // ---- names ----------------------------------------------------------------------------------

    public static TheoryData<string> AwkwardNames() => new()
    {
        "a",
        "with space/and ünïcödé/名前",
        "x.d/y.b",
        "%41/%2F/_5f/~tmp",
        "lock",
        "meta/data/tmp",
        ".hidden/..dots/x",
        "emoji 🦀/rocket 🚀",
        "Case/Sensitive",
        new string('n', ObjectStoreLimits.MaxBlobNameLength),
    };

    [Theory]
    [MemberData(nameof(AwkwardNames))]
    public async Task Put_AwkwardName_RoundTripsThroughGetAndList(string name)
    {
        var content = Bytes("content of " + name);

        await Store.PutAsync(name, content);

        (await Store.GetAsync(name)).Content.ToArray().Should().Equal(content);
        var listed = await ListAllAsync("");
        listed.Select(i => i.Name).Should().Equal(name);
        listed[0].Length.Should().Be(content.Length);
        (await ListAllAsync(name)).Select(i => i.Name).Should().Equal(name);
    }

    [Fact]
    public async Task Put_NamesThatArePrefixesOfEachOther_AreDistinctBlobs()
    {
        string[] names = ["a", "a/b", "a/b/c", "ab", "a b", "A", "case", "Case"];
        foreach (var name in names)
        {
            await Store.PutAsync(name, Bytes(name));
        }

        foreach (var name in names)
        {
            (await Store.GetAsync(name)).Content.ToArray().Should().Equal(Bytes(name));
        }

        (await ListAllAsync("")).Select(i => i.Name).Should().Equal(names.Order(StringComparer.Ordinal));
        await Store.DeleteAsync("a");
        (await Store.GetAsync("a/b")).Content.ToArray().Should().Equal(Bytes("a/b"));
        (await ListAllAsync("a")).Select(i => i.Name).Should().Equal("a b", "a/b", "a/b/c", "ab");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/../b")]
    [InlineData("a/")]
    public async Task EveryOperation_InvalidName_ThrowsInvalidArgument(string name)
    {
        var operations = new Func<Task>[]
        {
            async () => await Store.GetAsync(name),
            async () => await Store.GetPropertiesAsync(name),
            async () => await Store.PutAsync(name, Bytes("x")),
            async () => await Store.DeleteAsync(name),
            async () => await Store.CreateAppendBlobAsync(name),
            async () => await Store.AppendBlockAsync(name, Bytes("x")),
            async () => await Store.SealAsync(name),
            async () => await Store.AcquireLeaseAsync(name, null),
            async () => await Store.RenewLeaseAsync(name, Guid.NewGuid().ToString()),
            async () => await Store.ReleaseLeaseAsync(name, Guid.NewGuid().ToString()),
            async () => await Store.BreakLeaseAsync(name, TimeSpan.Zero),
        };

        foreach (var operation in operations)
        {
            (await operation.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        }
    }

    // ---- list -----------------------------------------------------------------------------------

    [Fact]
    public async Task List_TwentyFiveBlobsPageSizeSeven_PagesInOrdinalOrderWithPrefix()
    {
        var lengths = new Dictionary<string, int>();
        for (var i = 0; i < 25; i++)
        {
            // Shuffled write order, mixed case and separators: the listing must sort, not replay writes.
            var name = $"logs/{(i * 7 % 25):D2}{(i % 3 == 0 ? "/Seg" : i % 3 == 1 ? "-seg" : "_seg")}";
            lengths.Add(name, i);
            await Store.PutAsync(name, Pattern(i, seed: i));
        }

        await Store.PutAsync("logz/other", Bytes("x"));
        await Store.PutAsync("log", Bytes("x"));
        await Store.PutAsync("aaa", Bytes("x"));

        var pages = new List<BlobListPage>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync("logs/", token, pageSize: 7);
            pages.Add(page);
            token = page.ContinuationToken;
            pages.Count.Should().BeLessThan(30, "a listing of 25 blobs must end");
        }
        while (token is not null);

        pages.Should().AllSatisfy(p => p.Items.Count.Should().BeLessThanOrEqualTo(7));
        pages.Count.Should().BeGreaterThanOrEqualTo(4);
        pages[0].Items.Should().HaveCount(7);
        var names = pages.SelectMany(p => p.Items).Select(i => i.Name).ToList();
        names.Should().Equal(lengths.Keys.Order(StringComparer.Ordinal));
        pages.SelectMany(p => p.Items).Should().AllSatisfy(i =>
        {
            i.Kind.Should().Be(BlobKind.Block);
            i.Length.Should().Be(lengths[i.Name]);
        });
    }

    [Fact]
    public async Task List_Items_CarryLengthETagKindAndSeal()
    {
        var block = await Store.PutAsync("p/block", Bytes("12345"));
        await Store.CreateAppendBlobAsync("p/append");
        await Store.AppendBlockAsync("p/append", Bytes("ab"));
        var sealedResult = await Store.SealAsync("p/append");

        var items = await ListAllAsync("p/");

        items.Should().HaveCount(2);
        items[0].Should().Match<BlobItem>(i => i.Name == "p/append" && i.Length == 2 && i.Kind == BlobKind.Append && i.IsSealed && i.ETag == sealedResult.ETag);
        items[1].Should().Match<BlobItem>(i => i.Name == "p/block" && i.Length == 5 && i.Kind == BlobKind.Block && !i.IsSealed && i.ETag == block.ETag);
    }

    [Fact]
    public async Task List_PrefixEndingMidSegment_MatchesByCharacters()
    {
        foreach (var name in new[] { "t/ab", "t/abc/d", "t/a", "t/b/ab", "t/ab c", "t/äb" })
        {
            await Store.PutAsync(name, Bytes("x"));
        }

        (await ListAllAsync("t/ab")).Select(i => i.Name).Should().Equal("t/ab", "t/ab c", "t/abc/d");
        (await ListAllAsync("t/ä")).Select(i => i.Name).Should().Equal("t/äb");
        (await ListAllAsync("nothing")).Should().BeEmpty();
    }

    [Fact]
    public async Task List_EmptyNamespace_ReturnsNoItemsAndNoToken()
    {
        var page = await Store.ListAsync("");

        page.Items.Should().BeEmpty();
        page.ContinuationToken.Should().BeNull();
        AssertServerTime(page.ServerTime);
    }

    [Fact]
    public async Task List_NonPositivePageSize_ThrowsInvalidArgument()
    {
        var act = async () => await Store.ListAsync("", null, pageSize: 0);

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
    }

    [Fact]
    public async Task List_DeletedBlob_IsNotListed()
    {
        await Store.PutAsync("d/1", Bytes("x"));
        await Store.PutAsync("d/2", Bytes("x"));
        await Store.DeleteAsync("d/1");

        (await ListAllAsync("d/")).Select(i => i.Name).Should().Equal("d/2");
    }

    // ---- leases ---------------------------------------------------------------------------------

    [Fact]
    public async Task Lease_Acquired_WritesNeedTheLeaseId()
    {
        await Store.PutAsync("leased", Bytes("1"));
        var leaseId = Guid.NewGuid().ToString();

        var lease = await Store.AcquireLeaseAsync("leased", TimeSpan.FromSeconds(15), leaseId);

        lease.LeaseId.Should().Be(leaseId);
        lease.Duration.Should().Be(TimeSpan.FromSeconds(15));
        AssertServerTime(lease.ServerTime);
        (await Store.GetPropertiesAsync("leased")).Lease.Should().Be(BlobLeaseState.Leased);

        var withoutId = async () => await Store.PutAsync("leased", Bytes("2"));
        var wrongId = async () => await Store.PutAsync("leased", Bytes("2"), new BlobCondition(LeaseId: Guid.NewGuid().ToString()));
        var deleteWithoutId = async () => await Store.DeleteAsync("leased");
        (await withoutId.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        (await wrongId.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        (await deleteWithoutId.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        (await Store.GetAsync("leased")).Content.ToArray().Should().Equal(Bytes("1"), "reads need no lease");

        await Store.PutAsync("leased", Bytes("3"), new BlobCondition(LeaseId: leaseId));
        (await Store.GetAsync("leased")).Content.ToArray().Should().Equal(Bytes("3"));
        (await Store.GetPropertiesAsync("leased")).Lease.Should().Be(BlobLeaseState.Leased, "a write keeps the lease");

        await Store.DeleteAsync("leased", new BlobCondition(LeaseId: leaseId));
        (await Store.TryGetAsync("leased")).Should().BeNull();
    }

    [Fact]
    public async Task Lease_OnAppendBlob_AppendAndSealNeedTheLeaseId()
    {
        await Store.CreateAppendBlobAsync("seg");
        var lease = await Store.AcquireLeaseAsync("seg", null);

        var append = async () => await Store.AppendBlockAsync("seg", Bytes("a"));
        var seal = async () => await Store.SealAsync("seg");

        (await append.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        (await seal.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        await Store.AppendBlockAsync("seg", Bytes("a"), new AppendCondition(LeaseId: lease.LeaseId));
        await Store.SealAsync("seg", new BlobCondition(LeaseId: lease.LeaseId));
        (await Store.GetPropertiesAsync("seg")).Should().Match<BlobProperties>(p => p.IsSealed && p.Length == 1);
    }

    [Fact]
    public async Task Lease_SecondAcquireWithOtherId_ThrowsConflict()
    {
        await Store.PutAsync("x", Bytes("1"));
        await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(30), Guid.NewGuid().ToString());

        var act = async () => await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(30), Guid.NewGuid().ToString());

        await act.Should().ThrowAsync<StorageConflictException>();
    }

    [Fact]
    public async Task Lease_ConcurrentAcquires_ExactlyOneWins()
    {
        await Store.PutAsync("x", Bytes("1"));
        using var barrier = new Barrier(Concurrency);

        var outcomes = await RunConcurrentlyAsync(barrier, async _ =>
            await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(60), Guid.NewGuid().ToString()));

        outcomes.Count(o => o.Result is not null).Should().Be(1);
        outcomes.Where(o => o.Error is not null).Should().AllSatisfy(o => o.Error.Should().BeOfType<StorageConflictException>());
    }

    [Fact]
    public async Task Lease_AcquireAgainWithSameId_Renews()
    {
        await Store.PutAsync("x", Bytes("1"));
        var first = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15));

        var again = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15), first.LeaseId);
        var renewed = await Store.RenewLeaseAsync("x", first.LeaseId);

        again.LeaseId.Should().Be(first.LeaseId);
        renewed.LeaseId.Should().Be(first.LeaseId);
        (await Store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
    }

    [Fact]
    public async Task Lease_RenewOrReleaseWithWrongId_ThrowsConflict()
    {
        await Store.PutAsync("x", Bytes("1"));
        await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15));

        var renew = async () => await Store.RenewLeaseAsync("x", Guid.NewGuid().ToString());
        var release = async () => await Store.ReleaseLeaseAsync("x", Guid.NewGuid().ToString());

        await renew.Should().ThrowAsync<StorageConflictException>();
        await release.Should().ThrowAsync<StorageConflictException>();
        (await Store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
    }

    [Fact]
    public async Task Lease_Released_WritesWithoutIdAndNewAcquireSucceed()
    {
        await Store.PutAsync("x", Bytes("1"));
        var lease = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(60));

        await Store.ReleaseLeaseAsync("x", lease.LeaseId);

        (await Store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Available);
        await Store.PutAsync("x", Bytes("2"));
        var next = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15));
        next.LeaseId.Should().NotBe(lease.LeaseId);
    }

    [Fact]
    public async Task Lease_BrokenAtOnce_WritesWithoutIdAndNewAcquireSucceed()
    {
        await Store.PutAsync("x", Bytes("1"));
        var lease = await Store.AcquireLeaseAsync("x", null);

        var left = await Store.BreakLeaseAsync("x", TimeSpan.Zero);

        left.Should().Be(TimeSpan.Zero);
        (await Store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Broken);
        await Store.PutAsync("x", Bytes("2"));
        var renew = async () => await Store.RenewLeaseAsync("x", lease.LeaseId);
        await renew.Should().ThrowAsync<StorageConflictException>("a broken lease cannot be renewed");
        var next = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15));
        next.LeaseId.Should().NotBe(lease.LeaseId);
    }

    [Fact]
    public async Task Lease_BreakingWithPeriod_BlocksNewAcquireAndKeepsHolderWriting()
    {
        await Store.PutAsync("x", Bytes("1"));
        var lease = await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(60));

        var left = await Store.BreakLeaseAsync("x", TimeSpan.FromSeconds(30));

        left.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(30));
        (await Store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Breaking);
        var acquire = async () => await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15), Guid.NewGuid().ToString());
        await acquire.Should().ThrowAsync<StorageConflictException>();
        var withoutId = async () => await Store.PutAsync("x", Bytes("2"));
        (await withoutId.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);
        await Store.PutAsync("x", Bytes("3"), new BlobCondition(LeaseId: lease.LeaseId));
    }

    [Fact]
    public async Task Lease_BreakWithoutLease_ThrowsConflict()
    {
        await Store.PutAsync("x", Bytes("1"));

        var act = async () => await Store.BreakLeaseAsync("x", TimeSpan.Zero);

        await act.Should().ThrowAsync<StorageConflictException>();
    }

    [Theory]
    [InlineData(14)]
    [InlineData(61)]
    public async Task Lease_DurationOutOfRange_ThrowsInvalidArgument(int seconds)
    {
        await Store.PutAsync("x", Bytes("1"));

        var act = async () => await Store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(seconds));

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
    }

    // ---- server time ----------------------------------------------------------------------------

    [Fact]
    public async Task EveryResult_CarriesServerTime()
    {
        var put = await Store.PutAsync("t", Bytes("1"));
        var props = await Store.GetPropertiesAsync("t");
        var get = await Store.GetAsync("t");
        var created = await Store.CreateAppendBlobAsync("s");
        var appended = await Store.AppendBlockAsync("s", Bytes("1"));
        var sealedResult = await Store.SealAsync("s");
        var list = await Store.ListAsync("");

        foreach (var time in new[] { put.ServerTime, props.ServerTime, get.Properties.ServerTime, created.ServerTime, appended.ServerTime, sealedResult.ServerTime, list.ServerTime })
        {
            AssertServerTime(time);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /// <summary>Bytes of a string, UTF-8.</summary>
    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Deterministic pseudo-random bytes.</summary>
    protected static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The store's clock must be present and sane (not default, within a day of this machine's clock).</summary>
    protected static void AssertServerTime(DateTimeOffset serverTime) =>
        serverTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromDays(1));

    protected async Task<List<BlobItem>> ListAllAsync(string prefix)
    {
        var items = new List<BlobItem>();
        await foreach (var item in Store.ListAllAsync(prefix, pageSize: 3))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>Runs <paramref name="operation"/> on <see cref="Concurrency"/> threads released together by
    /// <paramref name="barrier"/>, and records each one's result or exception.</summary>
    protected static async Task<List<Outcome<T>>> RunConcurrentlyAsync<T>(Barrier barrier, Func<int, Task<T>> operation)
        where T : struct
    {
        var tasks = Enumerable.Range(0, barrier.ParticipantCount).Select(i => Task.Factory.StartNew(
            async () =>
            {
                barrier.SignalAndWait(TimeSpan.FromSeconds(30)).Should().BeTrue("every participant reaches the barrier");
                try
                {
                    return new Outcome<T>(i, await operation(i), null);
                }
                catch (StorageException ex)
                {
                    return new Outcome<T>(i, null, ex);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToList();
        return [.. await Task.WhenAll(tasks)];
    }

    /// <summary>What one concurrent participant got: a result or a storage error.</summary>
    protected sealed record Outcome<T>(int Index, T? Result, StorageException? Error)
        where T : struct;
}
