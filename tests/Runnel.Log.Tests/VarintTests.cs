using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class VarintTests
{
    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(-64, "7F")]
    [InlineData(64, "8001")]
    [InlineData(150, "AC02")]
    [InlineData(int.MaxValue, "FEFFFFFF0F")]
    [InlineData(int.MinValue, "FFFFFFFF0F")]
    public void WriteInt32_EdgeValues_WriteZigZagBytes(int value, string hex)
    {
        var buffer = new byte[Varint.MaxInt32Bytes];
        var n = Varint.WriteInt32(buffer, value);
        Convert.ToHexString(buffer, 0, n).Should().Be(hex);
        Varint.SizeOfInt32(value).Should().Be(n);

        Varint.TryReadInt32(Convert.FromHexString(hex), out var read, out var consumed).Should().Be(OperationStatus.Done);
        read.Should().Be(value);
        consumed.Should().Be(n);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(2199023255551L, "FEFFFFFFFF7F")]
    [InlineData(-2199023255552L, "FFFFFFFFFF7F")]
    [InlineData(4611686018427387904L, "80808080808080808001")]
    [InlineData(-4611686018427387905L, "81808080808080808001")]
    [InlineData(long.MaxValue, "FEFFFFFFFFFFFFFFFF01")]
    [InlineData(long.MinValue, "FFFFFFFFFFFFFFFFFF01")]
    public void WriteInt64_EdgeValues_WriteZigZagBytes(long value, string hex)
    {
        var buffer = new byte[Varint.MaxInt64Bytes];
        var n = Varint.WriteInt64(buffer, value);
        Convert.ToHexString(buffer, 0, n).Should().Be(hex);
        Varint.SizeOfInt64(value).Should().Be(n);

        Varint.TryReadInt64(Convert.FromHexString(hex), out var read, out var consumed).Should().Be(OperationStatus.Done);
        read.Should().Be(value);
        consumed.Should().Be(n);
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("FFFFFFFF")]
    public void TryReadInt32_CutOff_NeedsMoreData(string hex)
    {
        Varint.TryReadInt32(Convert.FromHexString(hex), out _, out _).Should().Be(OperationStatus.NeedMoreData);
    }

    [Theory]
    [InlineData("8080808080")] // continuation bit on the fifth byte: a sixth would follow
    [InlineData("808080808001")]
    [InlineData("FFFFFFFF1F")] // a fifth byte carrying bit 32
    [InlineData("FFFFFFFF7F")]
    public void TryReadInt32_OverlongOrOverflowing_IsInvalid(string hex)
    {
        Varint.TryReadInt32(Convert.FromHexString(hex), out _, out _).Should().Be(OperationStatus.InvalidData);
    }

    [Theory]
    [InlineData("80808080808080808080")] // continuation bit on the tenth byte
    [InlineData("FFFFFFFFFFFFFFFFFF02")] // a tenth byte carrying bit 64
    public void TryReadInt64_OverlongOrOverflowing_IsInvalid(string hex)
    {
        Varint.TryReadInt64(Convert.FromHexString(hex), out _, out _).Should().Be(OperationStatus.InvalidData);
    }

    [Fact]
    public void TryReadInt64_CutOff_NeedsMoreData()
    {
        Varint.TryReadInt64(Convert.FromHexString("FFFFFFFFFFFFFFFFFF"), out _, out _).Should().Be(OperationStatus.NeedMoreData);
    }

    [Fact]
    public void Int32_AnyValue_RoundTrips()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), value =>
        {
            var buffer = new byte[Varint.MaxInt32Bytes + 3];
            var n = Varint.WriteInt32(buffer, value);
            return Varint.TryReadInt32(buffer, out var read, out var consumed) == OperationStatus.Done
                && read == value && consumed == n && n == Varint.SizeOfInt32(value);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Int64_AnyValue_RoundTrips()
    {
        var longs = Gen.Choose(int.MinValue, int.MaxValue).Two()
            .Select(t => ((long)t.Item1 << 32) | (uint)t.Item2)
            .ToArbitrary();
        Prop.ForAll(longs, value =>
        {
            var buffer = new byte[Varint.MaxInt64Bytes];
            var n = Varint.WriteInt64(buffer, value);
            return Varint.TryReadInt64(buffer, out var read, out var consumed) == OperationStatus.Done
                && read == value && consumed == n && n == Varint.SizeOfInt64(value);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void WriteInt32_ShortDestination_Throws()
    {
        var act = () => Varint.WriteInt32(new byte[4], int.MinValue);
        act.Should().Throw<ArgumentException>();
    }
}
