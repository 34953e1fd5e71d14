using System.Text;
using System.Text.Json.Nodes;
using Runnel.Storage.Internal;

namespace Runnel.Storage.Tests;

/// <summary>Test access to the slots at the head of a file-store append blob's data file (Internal/AppendBlobHead.cs):
/// what a crash or a damaged disk could leave there.</summary>
internal static class AppendHeads
{
    /// <summary>The only data file in a blob directory.</summary>
    public static string DataFile(string blobDirectory) => Directory.GetFiles(blobDirectory, "d-*").Single();

    /// <summary>The CRC-valid slots, newest first.</summary>
    public static List<AppendSlot> Slots(string blobDirectory)
    {
        using var file = File.OpenRead(DataFile(blobDirectory));
        var head = new byte[AppendBlobHead.HeadSize];
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return AppendBlobHead.ValidSlots(head.AsSpan(0, read));
    }

    /// <summary>Commits a changed copy of the newest slot's metadata into the other slot (sequence + 1, same boot id
    /// and last block), as a writer would.</summary>
    public static void RewriteNewestSlot(string blobDirectory, Action<JsonObject> change)
    {
        var newest = Slots(blobDirectory)[0];
        var meta = JsonNode.Parse(newest.Json)!.AsObject();
        change(meta);
        var slot = AppendBlobHead.Encode(newest.Sequence + 1, newest.BootId, newest.LastBlock, Encoding.UTF8.GetBytes(meta.ToJsonString()));
        WriteAt(DataFile(blobDirectory), (1 - newest.Index) * (long)AppendBlobHead.SlotSize, slot);
    }

    /// <summary>Overwrites bytes of the data file at <paramref name="offset"/> (file offset, head included).</summary>
    public static void WriteAt(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = offset;
        file.Write(bytes);
    }

    /// <summary>Flips one byte of the data file at <paramref name="offset"/> (file offset).</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }
}
