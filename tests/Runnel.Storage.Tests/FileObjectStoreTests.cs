using System.Text;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>File-store behaviour beyond the shared contract: recovery from what a crash leaves, the block limit,
/// long names.</summary>
public sealed class FileObjectStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("file-store");
    private readonly FileObjectStore _store;

    public FileObjectStoreTests() => _store = new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AppendBlock_AtTheBlockLimit_ThrowsConflictAndAppendsNothing()
    {
        await _store.CreateAppendBlobAsync("seg");
        for (var i = 0; i < 100; i++)
        {
            (await _store.AppendBlockAsync("seg", new[] { (byte)i })).CommittedBlockCount.Should().Be(i + 1);
        }

        // 50,000 real appends cost an fdatasync each (minutes); jump the committed count to just below the limit.
        AppendHeads.RewriteNewestSlot(BlobDirectory("seg.b"), meta => meta["blockCount"] = ObjectStoreLimits.MaxBlocksPerAppendBlob - 1);
        var last = await _store.AppendBlockAsync("seg", new byte[] { 0xFF });
        var act = async () => await _store.AppendBlockAsync("seg", new byte[] { 0xFE });

        last.CommittedBlockCount.Should().Be(ObjectStoreLimits.MaxBlocksPerAppendBlob);
        (await act.Should().ThrowAsync<StorageConflictException>()).Which.Message.Should().Contain("50000 blocks");
        var props = await _store.GetPropertiesAsync("seg");
        props.Length.Should().Be(101);
        props.CommittedBlockCount.Should().Be(ObjectStoreLimits.MaxBlocksPerAppendBlob);
    }

    [Fact]
    public async Task Get_TornTailPastCommittedLength_IsInvisibleAndTheNextAppendReplacesIt()
    {
        await _store.CreateAppendBlobAsync("seg");
        await _store.AppendBlockAsync("seg", Bytes("committed"));
        var dataFile = Directory.GetFiles(BlobDirectory("seg.b"), "d-*").Single();
        await File.AppendAllTextAsync(dataFile, "TORN-UNACKNOWLEDGED");

        var reopened = new FileObjectStore(_directory.Path);
        (await reopened.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("committed"));
        (await reopened.GetAsync("seg", new ByteRange(5))).Content.ToArray().Should().Equal(Bytes("tted"));
        var next = await reopened.AppendBlockAsync("seg", Bytes("+next"), AppendCondition.AtPosition(9));

        next.AppendOffset.Should().Be(9);
        (await reopened.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("committed+next"));
        (await new FileObjectStore(_directory.Path).GetPropertiesAsync("seg")).Length.Should().Be(14);
    }

    [Fact]
    public async Task Put_LeftoversOfACrashedWrite_AreIgnoredAndRemoved()
    {
        await _store.PutAsync("x", Bytes("old"));
        var directory = BlobDirectory("x.b");
        await File.WriteAllTextAsync(Path.Combine(directory, "meta.tmp"), "{ half-written");
        await File.WriteAllTextAsync(Path.Combine(directory, "d-0000000000000000-99"), "orphan data");

        (await _store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("old"));
        await _store.PutAsync("x", Bytes("new"));

        (await _store.GetAsync("x")).Content.ToArray().Should().Equal(Bytes("new"));
        Directory.GetFiles(directory).Select(Path.GetFileName).Should().HaveCount(2).And.Contain("meta");
    }

    [Fact]
    public async Task Put_LongNonAsciiName_RoundTripsThroughGetAndList()
    {
        var name = "topics/" + new string('名', 600) + "/" + string.Concat(Enumerable.Repeat("🦀", 200));

        await _store.PutAsync(name, Bytes("crab"));

        (await _store.GetAsync(name)).Content.ToArray().Should().Equal(Bytes("crab"));
        var page = await _store.ListAsync("topics/名");
        page.Items.Select(i => i.Name).Should().Equal(name);
    }

    [Fact]
    public async Task Delete_RemovesTheBlobDirectory()
    {
        await _store.CreateAppendBlobAsync("a/b");
        await _store.AppendBlockAsync("a/b", Bytes("x"));

        await _store.DeleteAsync("a/b");

        Directory.Exists(Path.Combine(_directory.Path, "blobs", "a.d", "b.b")).Should().BeFalse();
        (await _store.ListAsync("")).Items.Should().BeEmpty();
    }

    private string BlobDirectory(string escaped) => Path.Combine(_directory.Path, "blobs", escaped);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
