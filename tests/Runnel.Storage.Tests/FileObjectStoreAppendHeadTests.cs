using System.Text;
using FluentAssertions;
using Runnel.Storage.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>
/// An append commits its block and the next head slot with one fdatasync, which orders nothing: after an OS crash
/// the slot can be on disk without its block. These tests leave a data file as such a crash could (a newest slot
/// whose block holds other bytes or is cut off, a torn slot, both slots bad) and open the store as after a reboot
/// (another boot id) or in the same boot, and check what readers and the next append make of it.
/// </summary>
public sealed class FileObjectStoreAppendHeadTests : IDisposable
{
    private static readonly Guid BootBefore = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid BootAfter = Guid.Parse("22222222-2222-2222-2222-222222222222");
    private static readonly Guid BootLater = Guid.Parse("33333333-3333-3333-3333-333333333333");

    private readonly TempDirectory _directory = new("append-head");

    public void Dispose() => _directory.Dispose();

    private string BlobDirectory => Path.Combine(_directory.Path, "blobs", "seg.b");

    private string DataFile => AppendHeads.DataFile(BlobDirectory);

    private FileObjectStore Store(Guid bootId) => new(_directory.Path, timeProvider: null, lockTimeout: null, bootId);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_AfterRebootNewestSlotsBlockNotOnDisk_BlobReadsAsBeforeTheUnacknowledgedAppend(bool truncated)
    {
        var before = Store(BootBefore);
        await before.CreateAppendBlobAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("first"));
        var acknowledged = await before.GetPropertiesAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("second"));
        LoseLastBlock(truncated, committedBefore: 5, blockLength: 6);

        var after = Store(BootAfter);
        var content = await after.GetAsync("seg");
        var properties = await after.GetPropertiesAsync("seg");
        var listed = (await after.ListAsync("")).Items.Single();

        content.Content.ToArray().Should().Equal(Bytes("first"));
        properties.Length.Should().Be(5);
        properties.CommittedBlockCount.Should().Be(1);
        properties.ETag.Should().Be(acknowledged.ETag, "the state is exactly the one acknowledged before");
        listed.Length.Should().Be(5);
        listed.ETag.Should().Be(acknowledged.ETag);
    }

    [Fact]
    public async Task Append_AfterRebootNewestSlotsBlockNotOnDisk_BuildsOnThePreviousSlotAndReplacesTheBadOne()
    {
        var before = Store(BootBefore);
        await before.CreateAppendBlobAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("first"));
        await before.AppendBlockAsync("seg", Bytes("second"));
        var bad = AppendHeads.Slots(BlobDirectory)[0];
        LoseLastBlock(truncated: false, committedBefore: 5, blockLength: 6);

        var after = Store(BootAfter);
        var appended = await after.AppendBlockAsync("seg", Bytes("third"), AppendCondition.AtPosition(5));

        appended.AppendOffset.Should().Be(5);
        appended.CommittedBlockCount.Should().Be(2);
        (await after.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("firstthird"));
        var slots = AppendHeads.Slots(BlobDirectory);
        slots.Select(s => (s.Index, s.Sequence)).Should().Equal(
            [(bad.Index, bad.Sequence), (1 - bad.Index, bad.Sequence - 1)],
            "the new commit overwrote the slot that failed verification and kept the one it built on");
        (await Store(BootLater).GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("firstthird"), "after another reboot the new slot verifies");
    }

    [Fact]
    public async Task Read_SameBootNewestSlotsBlockDiffers_IsTrustedWithoutVerification()
    {
        var before = Store(BootBefore);
        await before.CreateAppendBlobAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("first"));
        await before.AppendBlockAsync("seg", Bytes("second"));
        AppendHeads.WriteAt(DataFile, AppendBlobHead.HeadSize + 5, Bytes("SECOND"));

        // No OS crash since the slot was written: the page cache holds what was written before it.
        var sameBoot = Store(BootBefore);

        (await sameBoot.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("firstSECOND"));
        (await Store(BootAfter).GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("first"), "in another boot the same slot fails verification");
    }

    [Fact]
    public async Task Read_NewestSlotTorn_UsesTheOtherSlotAndTheNextAppendReplacesTheTornOne()
    {
        var store = Store(BootBefore);
        await store.CreateAppendBlobAsync("seg");
        await store.AppendBlockAsync("seg", Bytes("first"));
        await store.AppendBlockAsync("seg", Bytes("second"));
        var newest = AppendHeads.Slots(BlobDirectory)[0];
        AppendHeads.FlipByte(DataFile, newest.Index * (long)AppendBlobHead.SlotSize + AppendBlobHead.SlotHeaderSize + 3);

        var reopened = Store(BootBefore);
        (await reopened.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("first"));
        await reopened.AppendBlockAsync("seg", Bytes("+next"), AppendCondition.AtPosition(5));

        (await Store(BootAfter).GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("first+next"));
        AppendHeads.Slots(BlobDirectory).Should().HaveCount(2);
    }

    [Fact]
    public async Task Read_BothSlotsTorn_ThrowsStorageCorruptNamingTheDataFile()
    {
        var store = Store(BootBefore);
        await store.CreateAppendBlobAsync("seg");
        await store.AppendBlockAsync("seg", Bytes("first"));
        AppendHeads.FlipByte(DataFile, AppendBlobHead.SlotHeaderSize + 3);
        AppendHeads.FlipByte(DataFile, AppendBlobHead.SlotSize + AppendBlobHead.SlotHeaderSize + 3);

        await ShouldBeCorruptAsync(Store(BootBefore), "neither slot");
    }

    [Fact]
    public async Task Read_AfterRebootNeitherSlotsBlockOnDisk_ThrowsStorageCorrupt()
    {
        var before = Store(BootBefore);
        await before.CreateAppendBlobAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("first"));
        await before.AppendBlockAsync("seg", Bytes("second"));
        AppendHeads.WriteAt(DataFile, AppendBlobHead.HeadSize, new byte[11]); // both slots' last blocks gone

        await ShouldBeCorruptAsync(Store(BootAfter), "not in the file");
    }

    [Fact]
    public async Task Append_OneFdatasyncPerAppend_PlusOneFirstWhenTheSlotReadIsNotKnownToBeOnDisk()
    {
        var writer = Store(BootBefore);
        await writer.CreateAppendBlobAsync("seg");
        await writer.AppendBlockAsync("seg", Bytes("a"));
        await writer.AppendBlockAsync("seg", Bytes("b"));
        writer.AppendBlobSyncs.Should().Be(2, "an append is acknowledged after one fdatasync");

        // Another store in the same boot cannot know the slot it reads is on disk (its writer may have been killed
        // before syncing): it syncs once before overwriting the other slot, then builds on its own syncs.
        var sameBoot = Store(BootBefore);
        await sameBoot.AppendBlockAsync("seg", Bytes("c"));
        sameBoot.AppendBlobSyncs.Should().Be(2);
        await sameBoot.AppendBlockAsync("seg", Bytes("d"));
        await sameBoot.SealAsync("seg");
        sameBoot.AppendBlobSyncs.Should().Be(4);

        // After a reboot a slot that verifies came from the disk: no extra sync.
        var afterReboot = Store(BootAfter);
        await afterReboot.AcquireLeaseAsync("seg", duration: null);
        afterReboot.AppendBlobSyncs.Should().Be(1);
        (await afterReboot.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("abcd"));
    }

    [Fact]
    public async Task Seal_AfterReboot_StaysSealedWhenItsSlotVerifies()
    {
        var before = Store(BootBefore);
        await before.CreateAppendBlobAsync("seg");
        await before.AppendBlockAsync("seg", Bytes("first"));
        await before.SealAsync("seg");

        var after = Store(BootAfter);
        var properties = await after.GetPropertiesAsync("seg");
        var act = async () => await after.AppendBlockAsync("seg", Bytes("x"));

        properties.IsSealed.Should().BeTrue();
        properties.Length.Should().Be(5);
        await act.Should().ThrowAsync<BlobSealedException>();
    }

    [Fact]
    public async Task Read_Version1AppendBlob_ThrowsStorageCorruptNamingTheDirectoryAndWhatToDo()
    {
        Directory.CreateDirectory(BlobDirectory);
        await File.WriteAllTextAsync(Path.Combine(BlobDirectory, "d-00000000000000ab-2"), "old content");
        WriteVersion1Meta(kind: "Append", dataFile: "d-00000000000000ab-2", length: 11);

        var store = Store(BootBefore);
        var read = async () => await store.GetAsync("seg");
        var append = async () => await store.AppendBlockAsync("seg", Bytes("x"));

        var error = (await read.Should().ThrowAsync<StorageCorruptException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.StorageCorrupt);
        error.Message.Should().Contain(BlobDirectory).And.Contain("version 1 layout").And.Contain("delete");
        await append.Should().ThrowAsync<StorageCorruptException>();
    }

    [Fact]
    public async Task Read_Version1BlockBlob_ReadsAndReplacesAsBefore()
    {
        Directory.CreateDirectory(BlobDirectory);
        await File.WriteAllTextAsync(Path.Combine(BlobDirectory, "d-00000000000000ab-2"), "old content");
        WriteVersion1Meta(kind: "Block", dataFile: "d-00000000000000ab-2", length: 11);
        var store = Store(BootBefore);

        (await store.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("old content"));
        await store.PutAsync("seg", Bytes("new"));
        (await store.GetAsync("seg")).Content.ToArray().Should().Equal(Bytes("new"));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Makes the newest block (at content offset <paramref name="committedBefore"/>) not be what its slot
    /// recorded: other bytes where it was, or the file cut before it.</summary>
    private void LoseLastBlock(bool truncated, long committedBefore, int blockLength)
    {
        var newest = AppendHeads.Slots(BlobDirectory)[0];
        newest.LastBlock.Offset.Should().Be(committedBefore, "the newest slot records the block being lost");
        if (truncated)
        {
            using var file = new FileStream(DataFile, FileMode.Open, FileAccess.Write);
            file.SetLength(AppendBlobHead.HeadSize + committedBefore + 2); // part of the block never arrived
        }
        else
        {
            AppendHeads.WriteAt(DataFile, AppendBlobHead.HeadSize + committedBefore, new byte[blockLength]);
        }
    }

    private void WriteVersion1Meta(string kind, string dataFile, long length)
    {
        var json = $$"""{"version":1,"name":"seg","kind":"{{kind}}","incarnation":171,"generation":2,"dataFile":"{{dataFile}}","length":{{length}},"blockCount":1,"isSealed":false,"lastModifiedUtcTicks":638000000000000000}""";
        var meta = Path.Combine(BlobDirectory, "meta");
        MetaFile.Write(meta, meta + ".tmp", Bytes(json));
    }

    private static async Task ShouldBeCorruptAsync(FileObjectStore store, string detail)
    {
        var get = async () => await store.GetAsync("seg");
        var properties = async () => await store.GetPropertiesAsync("seg");
        var list = async () => await store.ListAsync("");
        var append = async () => await store.AppendBlockAsync("seg", Bytes("x"));

        (await get.Should().ThrowAsync<StorageCorruptException>()).Which.Message.Should().Contain(detail).And.Contain("seg.b");
        await properties.Should().ThrowAsync<StorageCorruptException>();
        await list.Should().ThrowAsync<StorageCorruptException>();
        await append.Should().ThrowAsync<StorageCorruptException>();
    }
}
