using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_CheckString_IsTheCatalogueValue()
    {
        // The CRC catalogue's check value for CRC-32C (iSCSI): CRC of the ASCII bytes "123456789".
        Crc32C.Compute("123456789"u8).Should().Be(0xE3069283u);
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Crc32C.Compute([]).Should().Be(0u);
    }

    [Fact]
    public void Compute_AnyBytes_MatchesBitwiseReference()
    {
        // Lengths around the 8-byte step exercise the word loop, the byte tail and both together.
        var bytes = Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary();
        Prop.ForAll(bytes, data => Crc32C.Compute(data) == Reference(data)).QuickCheckThrowOnFailure();
    }

    private static uint Reference(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
