using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Runnel.Grains;
using RunnelPooledBuffer = Runnel.Buffers.PooledBuffer;

namespace Runnel.Abstractions.Tests;

/// <summary>A fetch response through Orleans' serializer (<see cref="FetchResponseCodec"/>): the batches arrive byte for
/// byte in a pooled buffer of their own, the watermarks unchanged, the sender's pooled buffer is released once copied,
/// and a response of another format version is refused with a typed error.</summary>
public sealed class FetchResponseCodecTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4097)]
    [InlineData(1024 * 1024 + 17)]
    public void RoundTrip_PooledBatches_ArriveInAPooledBufferOfTheirOwnWithTheSameBytes(int size)
    {
        var sent = RunnelPooledBuffer.Rent(size);
        Random.Shared.NextBytes(sent.GetSpan());
        var expected = sent.GetSpan().ToArray();
        var response = new FetchResponse(sent.Memory, LogStartOffset: 3, HighWatermark: long.MaxValue - 1, LastStableOffset: 1L << 40);

        var wire = Serializer.SerializeToArray(response);
        sent.IsReleased.Should().BeTrue("writing the response hands the sender's reference to the message");
        var received = Serializer.Deserialize<FetchResponse>(wire)!;

        received.Batches.ToArray().Should().Equal(expected);
        (received.LogStartOffset, received.HighWatermark, received.LastStableOffset).Should().Be((3L, long.MaxValue - 1, 1L << 40));
        RunnelPooledBuffer.TryGetFrom(received.Batches, out var buffer).Should().BeTrue("the receiver gets a pooled buffer, not a fresh array");
        buffer!.Should().NotBeSameAs(sent);
        buffer!.Release();
        buffer.IsReleased.Should().BeTrue();
    }

    [Fact]
    public void RoundTrip_ASliceOfAPooledBuffer_SendsOnlyTheSlice()
    {
        var sent = RunnelPooledBuffer.Rent(100);
        for (var i = 0; i < 100; i++)
        {
            sent.GetSpan()[i] = (byte)i;
        }

        var received = Serializer.Deserialize<FetchResponse>(Serializer.SerializeToArray(new FetchResponse(sent.Memory[10..20], 0, 1, 1)))!;

        received.Batches.ToArray().Should().Equal(Enumerable.Range(10, 10).Select(i => (byte)i));
        sent.IsReleased.Should().BeTrue();
    }

    [Fact]
    public void RoundTrip_EmptyOrArrayBatches_ArriveUnchangedAndNothingIsReleased()
    {
        var empty = Serializer.Deserialize<FetchResponse>(Serializer.SerializeToArray(new FetchResponse(ReadOnlyMemory<byte>.Empty, 5, 5, 5)))!;
        empty.Batches.IsEmpty.Should().BeTrue();
        empty.HighWatermark.Should().Be(5);

        var array = new byte[] { 1, 2, 3 };
        var copy = Serializer.Deserialize<FetchResponse>(Serializer.SerializeToArray(new FetchResponse(array, 0, 3, 3)))!;
        copy.Batches.ToArray().Should().Equal(array);
    }

    [Fact]
    public void RoundTrip_AsAFieldOfAnotherObject_AndNull()
    {
        var holder = new object?[] { new FetchResponse(new byte[] { 9, 8 }, 1, 2, 2), null };

        var copy = Serializer.Deserialize<object?[]>(Serializer.SerializeToArray(holder))!;

        copy[0].Should().BeOfType<FetchResponse>().Which.Batches.ToArray().Should().Equal(9, 8);
        copy[1].Should().BeNull();
    }

    [Fact]
    public void Deserialize_AnotherFormatVersion_IsAMalformedMessage()
    {
        var wire = Serializer.SerializeToArray(new FetchResponse(new byte[] { 1, 2, 3 }, 0, 3, 3));
        // The version byte, then log start 0 and high watermark 3 as little-endian longs.
        byte[] pattern = [2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0];
        var at = wire.AsSpan().IndexOf(pattern);
        at.Should().BePositive();
        wire[at] = 3;

        var read = () => Serializer.Deserialize<FetchResponse>(wire)!;

        read.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.MalformedMessage && e.Message.Contains("version 3"));
    }

    [Fact]
    public void RoundTrip_KeepsTheAbortedTransactions()
    {
        var response = new FetchResponse(new byte[] { 1, 2, 3 }, 0, 9, 7)
        {
            AbortedTransactions = [new AbortedTransaction(11, 2, 4), new AbortedTransaction(12, 5, 6)],
        };

        var copy = Serializer.Deserialize<FetchResponse>(Serializer.SerializeToArray(response))!;

        copy.AbortedTransactions.Should().Equal(response.AbortedTransactions);
        copy.LastStableOffset.Should().Be(7);
        copy.Batches.ToArray().Should().Equal(1, 2, 3);
    }

    [Fact]
    public void Deserialize_Version1_WithoutAnAbortedList_IsRead()
    {
        var wire = Serializer.SerializeToArray(new FetchResponse(new byte[] { 1, 2, 3 }, 0, 3, 3));
        byte[] pattern = [2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0];
        var at = wire.AsSpan().IndexOf(pattern);
        at.Should().BePositive();

        // Version 1: the same but without the aborted count (4 bytes after the three watermarks), and 4 bytes shorter.
        // Orleans' one-byte varint is (n << 1) | 1.
        var lengthAt = at - 1;
        wire[lengthAt].Should().Be((byte)(((25 + 4 + 3) << 1) | 1));
        var v1 = wire.Take(at).Concat(wire.Skip(at).Take(25)).Concat(wire.Skip(at + 29)).ToArray();
        v1[lengthAt] = ((25 + 3) << 1) | 1;
        v1[at] = 1;

        var copy = Serializer.Deserialize<FetchResponse>(v1)!;

        copy.Batches.ToArray().Should().Equal(1, 2, 3);
        copy.AbortedTransactions.Should().BeEmpty();
    }

    [Fact]
    public void DeepCopy_IsTheSameInstance()
    {
        var response = new FetchResponse(new byte[] { 1 }, 0, 1, 1);

        _services.GetRequiredService<DeepCopier>().Copy(response).Should().BeSameAs(response);
    }
}
