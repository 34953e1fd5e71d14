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

    [Theory]
    [InlineData(3 * 4096 - 1)]
    [InlineData(3 * 4096)]
    [InlineData(3 * 4096 + 7)]
    [InlineData(6 * 4096 + 13)]
    [InlineData(262_144 + 61)]
    public void Compute_LongInputs_InterleavedChainsMatchBitwiseReference(int length)
    {
        // At 3 x 4 KiB and above the three-chain loop and its joins run; below, only the serial loop.
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Crc32C.Compute(data).Should().Be(Reference(data));
    }

    [Fact]
    public void Compute_LongInputs_AnyBytes_MatchesBitwiseReference()
    {
        var lengths = Gen.Choose(3 * 4096 - 8, 5 * 3 * 4096 + 64).ToArbitrary();
        Prop.ForAll(lengths, length =>
        {
            var data = new byte[length];
            new Random(length ^ 0x5EED).NextBytes(data);
            return Crc32C.Compute(data) == Reference(data);
        }).QuickCheckThrowOnFailure();
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
