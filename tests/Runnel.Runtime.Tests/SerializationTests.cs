using System.Runtime.InteropServices;
using Runnel.Invocation;
using Runnel.Runtime.Tests.Grains;
using Runnel.Serialization;

namespace Runnel.Runtime.Tests;

public sealed class SerializationTests
{
    [Fact]
    public void NewerWriter_ExtraFields_OlderReaderSkipsThem()
    {
        var v2 = new MessageV2 { Name = "n", Offset = -5, Added = [1, 2, 3], Tag = Guid.NewGuid() };

        var v1 = RoundTrip<MessageV2, MessageV1>(v2);

        v1.Name.Should().Be("n");
        v1.Offset.Should().Be(-5);
    }

    [Fact]
    public void OlderWriter_MissingFields_NewerReaderLeavesDefaults()
    {
        var v2 = RoundTrip<MessageV1, MessageV2>(new MessageV1 { Name = "n", Offset = 7 });

        v2.Name.Should().Be("n");
        v2.Offset.Should().Be(7);
        v2.Added.Should().BeNull();
        v2.Tag.Should().Be(Guid.Empty);
    }

    [Fact]
    public void ReadOnlyMemory_Read_IsASliceOfTheBufferNotACopy()
    {
        using var writer = new WireWriter();
        WireCodec<ReadOnlyMemory<byte>>.Instance.Write(writer, new byte[] { 5, 6, 7 });
        var buffer = writer.WrittenSpan.ToArray();

        var reader = new WireReader(buffer);
        var value = WireCodec<ReadOnlyMemory<byte>>.Instance.Read(ref reader);

        MemoryMarshal.TryGetArray(value, out var segment).Should().BeTrue();
        segment.Array.Should().BeSameAs(buffer);
        value.ToArray().Should().Equal(5, 6, 7);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(300L)]
    public void Int64_AnyValue_RoundTrips(long value) => RoundTrip<long, long>(value).Should().Be(value);

    [Fact]
    public void Scalars_EdgeValues_RoundTrip()
    {
        RoundTrip<string?, string?>(null).Should().BeNull();
        RoundTrip<string, string>("").Should().Be("");
        RoundTrip<decimal, decimal>(-12.345m).Should().Be(-12.345m);
        RoundTrip<float, float>(float.NaN).Should().Be(float.NaN);
        RoundTrip<char, char>('€').Should().Be('€');
        RoundTrip<DateTime, DateTime>(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)).Kind.Should().Be(DateTimeKind.Utc);
        RoundTrip<int?, int?>(null).Should().BeNull();
        RoundTrip<byte[]?, byte[]?>(null).Should().BeNull();
        RoundTrip<IReadOnlyDictionary<string, int[]>, IReadOnlyDictionary<string, int[]>>(new Dictionary<string, int[]> { ["a"] = [1] })["a"].Should().Equal(1);
    }

    [Fact]
    public void TruncatedInput_Read_ThrowsMalformedMessage()
    {
        using var writer = new WireWriter();
        WireCodec<Payload>.Instance.Write(writer, new Payload("truncate me", 3) { Tags = ["x"] });
        var cut = writer.WrittenSpan[..^3].ToArray();

        var read = () =>
        {
            var reader = new WireReader(cut);
            return WireCodec<Payload>.Instance.Read(ref reader);
        };

        read.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.MalformedMessage);
    }

    [Fact]
    public void HostileCount_LargerThanTheInput_ThrowsInsteadOfAllocating()
    {
        using var writer = new WireWriter();
        writer.WriteVarUInt64(int.MaxValue);

        var read = () =>
        {
            var reader = new WireReader(writer.WrittenSpan.ToArray());
            return WireCodec<List<long>>.Instance.Read(ref reader);
        };

        read.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.MalformedMessage);
    }

    [Fact]
    public void Descriptor_MethodIds_AreStableHashesAndReadOnlyIsKnown()
    {
        var descriptor = GrainInterfaceRegistry.Get(typeof(ICounterGrain));

        descriptor.GrainType.Should().Be("test.counter");
        var get = Fnv1a("global::Runnel.Runtime.Tests.Grains.ICounterGrain.GetAsync()");
        var add = Fnv1a("global::Runnel.Runtime.Tests.Grains.ICounterGrain.AddAsync(int)");
        descriptor.GetMethodName(get).Should().Be("GetAsync");
        descriptor.GetMethodName(add).Should().Be("AddAsync");
        descriptor.IsReadOnly(get).Should().BeTrue();
        descriptor.IsReadOnly(add).Should().BeFalse();
        descriptor.HasMethod(12345).Should().BeFalse();
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static TOut RoundTrip<TIn, TOut>(TIn value)
    {
        using var writer = new WireWriter();
        WireCodec<TIn>.Instance.Write(writer, value);
        var reader = new WireReader(writer.WrittenSpan.ToArray());
        var result = WireCodec<TOut>.Instance.Read(ref reader);
        reader.EnsureEnd();
        return result;
    }
}
