using System.Buffers;
using Runnel.Buffers;
using Runnel.Runtime.Tests.Grains;
using Runnel.Runtime.Tests.Infrastructure;
using Runnel.Serialization;

namespace Runnel.Runtime.Tests;

/// <summary>A silo's response writer sends large byte strings from their own memory (no copy into the frame).</summary>
public sealed class WireWriterAttachmentTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    /// <summary>What a plain (copying) writer makes of the same writes.</summary>
    private static byte[] Expected(byte[] large)
    {
        using var plain = new WireWriter();
        plain.WriteFixed32(7);
        plain.WriteBytes(large);
        plain.WriteString("after");
        return plain.WrittenSpan.ToArray();
    }

    [Fact]
    public void WriteBytesAttachable_AttachingWriter_SendsTheBytesFromTheirOwnMemoryInPlace()
    {
        var large = Bytes(WireWriter.MinAttachedBytes + 5, 1);
        var expected = Expected(large);
        using var writer = new WireWriter();
        writer.EnableAttachments();

        writer.WriteFixed32(7);
        writer.WriteBytesAttachable(large);
        writer.WriteString("after");

        writer.WrittenCount.Should().Be(expected.Length);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteTo(output);
        output.WrittenSpan.ToArray().Should().Equal(expected);

        large[10] ^= 0xFF; // attached, not copied: the change shows in what is written next
        var again = new ArrayBufferWriter<byte>();
        writer.WriteTo(again);
        again.WrittenSpan[expected.Length - large.Length - 6 + 10].Should().Be(large[10]);
    }

    [Fact]
    public void WrittenMemory_WithAttachments_JoinsThemInPlace()
    {
        var large = Bytes(WireWriter.MinAttachedBytes * 2, 3);
        using var writer = new WireWriter();
        writer.EnableAttachments();
        writer.WriteFixed32(7);
        writer.WriteBytesAttachable(large);
        writer.WriteString("after");

        writer.WrittenMemory.ToArray().Should().Equal(Expected(large));
        writer.WrittenCount.Should().Be(Expected(large).Length);
    }

    [Fact]
    public void WriteBytesAttachable_SliceOfTheNeverAttachBufferOrSmallOrPlainWriter_IsCopied()
    {
        var request = Bytes(WireWriter.MinAttachedBytes * 2, 5);
        var small = Bytes(WireWriter.MinAttachedBytes - 1, 6);
        var large = Bytes(WireWriter.MinAttachedBytes, 7);
        using var attaching = new WireWriter();
        attaching.EnableAttachments(neverAttach: request);
        attaching.WriteBytesAttachable(request.AsMemory(1, WireWriter.MinAttachedBytes));
        attaching.WriteBytesAttachable(small);
        using var plain = new WireWriter();
        plain.WriteBytesAttachable(large);
        var before = (attaching.WrittenSpan.ToArray(), plain.WrittenSpan.ToArray());

        request[5] ^= 0xFF;
        small[5] ^= 0xFF;
        large[5] ^= 0xFF;

        var output = new ArrayBufferWriter<byte>();
        attaching.WriteTo(output);
        output.WrittenSpan.ToArray().Should().Equal(before.Item1, "copies do not see later changes to their source");
        plain.WrittenSpan.ToArray().Should().Equal(before.Item2);
    }

    [Fact]
    public void Codec_ObjectsWithLargeBytesInAFramedList_RoundTripThroughAnAttachingWriter()
    {
        IReadOnlyList<Payload> sent = [new Payload("a", 1) { Data = Bytes(40_000, 1) }, new Payload("b", 2) { Data = Bytes(20_000, 2) }];
        using var writer = new WireWriter();
        writer.EnableAttachments();
        WireCodec<IReadOnlyList<Payload>>.Instance.Write(writer, sent);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteTo(output);

        var reader = new WireReader(output.WrittenMemory);
        var back = WireCodec<IReadOnlyList<Payload>>.Instance.Read(ref reader);

        back.Select(p => p.Name).Should().Equal("a", "b");
        back[0].Data.ToArray().Should().Equal(sent[0].Data.ToArray());
        back[1].Data.ToArray().Should().Equal(sent[1].Data.ToArray());
    }

    [Fact]
    public void WriteBytesAttachable_PooledBuffer_TheWriterTakesItsReferenceAndReleasesItOnDispose()
    {
        var pooled = PooledBuffer.Rent(WireWriter.MinAttachedBytes * 2);
        Bytes(WireWriter.MinAttachedBytes * 2, 8).CopyTo(pooled.GetSpan());
        var writer = new WireWriter();
        writer.EnableAttachments();
        writer.WriteBytesAttachable(pooled.Memory[10..]);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteTo(output);

        pooled.IsReleased.Should().BeFalse("the frame is not sent until the writer is disposed");
        writer.Dispose();

        pooled.IsReleased.Should().BeTrue("the writer held the buffer's one reference");
        output.WrittenSpan[^10].Should().Be(Bytes(WireWriter.MinAttachedBytes * 2, 8)[^10]);
    }

    [Fact]
    public void WriteBytesAttachable_PooledBufferCopiedOrReset_ReleasedOnlyWhenAttached()
    {
        var small = PooledBuffer.Rent(100);
        var reset = PooledBuffer.Rent(WireWriter.MinAttachedBytes);
        using var writer = new WireWriter();
        writer.EnableAttachments();

        writer.WriteBytesAttachable(small.Memory);
        writer.WriteBytesAttachable(reset.Memory);
        writer.Reset();

        reset.IsReleased.Should().BeTrue("a reset forgets the attachment and releases it");
        small.IsReleased.Should().BeFalse("copied bytes leave the reference with their holder");
        small.Release();
    }

    [Fact]
    public async Task Echo_LargeBytesFromTheRequest_ComeBackIntactOverTheNetwork()
    {
        await using var silo = await SiloHarness.StartAsync();
        var client = await silo.ConnectAsync();
        var data = Bytes(200_000, 9);

        var back = await client.GetGrain<IBehaviorGrain>("echo-large").EchoAsync(new Payload("p", 1) { Data = data });

        back.Data.ToArray().Should().Equal(data, "the echoed argument is a slice of the request frame, which is copied, not attached");
    }
}
