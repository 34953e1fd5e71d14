using System.Text;
using FluentAssertions;
using Runnel.Storage.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The two-slot metadata file: commits alternate slots, readers take the newest valid one, and a torn write
/// of either slot leaves the last committed state readable.</summary>
public sealed class MetaFileTests : IDisposable
{
    private readonly TempDirectory _directory = new("meta");

    private string Path => System.IO.Path.Combine(_directory.Path, "meta");

    [Fact]
    public void Write_SuccessiveCommits_ReadReturnsTheNewest()
    {
        for (var i = 0; i < 5; i++)
        {
            MetaFile.Write(Path, Path + ".tmp", Json(i));
            Encoding.UTF8.GetString(MetaFile.Read(Path)!).Should().Be($"{{\"n\":{i}}}");
        }
    }

    [Fact]
    public void Read_NewestSlotTorn_ReturnsThePreviousCommit()
    {
        MetaFile.Write(Path, Path + ".tmp", Json(1));   // creates the file: slot 0, sequence 1
        MetaFile.Write(Path, Path + ".tmp", Json(2));   // slot 1, sequence 2
        Corrupt(offset: MetaFile.SlotSize + 22);          // a byte of slot 1's JSON: as if its write was torn

        Encoding.UTF8.GetString(MetaFile.Read(Path)!).Should().Be("{\"n\":1}");
        MetaFile.Write(Path, Path + ".tmp", Json(3));   // must overwrite the torn slot 1, not the valid slot 0
        Encoding.UTF8.GetString(MetaFile.Read(Path)!).Should().Be("{\"n\":3}");
        Corrupt(offset: 22);                              // tear slot 0 (holding 1): 3 must survive
        Encoding.UTF8.GetString(MetaFile.Read(Path)!).Should().Be("{\"n\":3}");
    }

    [Fact]
    public void Read_BothSlotsTorn_ThrowsInvalidData()
    {
        MetaFile.Write(Path, Path + ".tmp", Json(1));
        MetaFile.Write(Path, Path + ".tmp", Json(2));
        Corrupt(offset: 22);
        Corrupt(offset: MetaFile.SlotSize + 22);

        var act = () => MetaFile.Read(Path);

        act.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void Read_Missing_ReturnsNull() => MetaFile.Read(Path).Should().BeNull();

    public void Dispose() => _directory.Dispose();

    private static byte[] Json(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n}}}");

    private void Corrupt(int offset)
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }
}
