using FluentAssertions;
using Runnel.Buffers;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>Pooled reads: the file store reads into a <see cref="PooledBuffer"/> when asked, and the buffer's single
/// reference returns its array once; a store that cannot pool answers with plain content.</summary>
public sealed class PooledReadTests : IDisposable
{
    private readonly TempDirectory _directory = new("pooled-read");
    private readonly FileObjectStore _store;

    public PooledReadTests() => _store = new FileObjectStore(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetPooledAsync_FileStore_ReadsTheRangeIntoAPooledBuffer(bool appendBlob)
    {
        var data = Bytes(300_000);
        if (appendBlob)
        {
            await _store.CreateAppendBlobAsync("blob");
            await _store.AppendBlockAsync("blob", data);
        }
        else
        {
            await _store.PutAsync("blob", data);
        }

        var plain = await _store.GetAsync("blob", new ByteRange(1000, 200_000));
        var pooled = await _store.GetPooledAsync("blob", new ByteRange(1000, 200_000));

        pooled.Content.ToArray().Should().Equal(plain.Content.ToArray()).And.Equal(data.AsSpan(1000, 200_000).ToArray());
        pooled.Offset.Should().Be(plain.Offset);
        PooledBuffer.TryGetFrom(plain.Content, out _).Should().BeFalse("GetAsync's content is the caller's own array");
        PooledBuffer.TryGetFrom(pooled.Content, out var buffer).Should().BeTrue();
        buffer!.Release();
        buffer.IsReleased.Should().BeTrue();
        var afterRelease = () => pooled.Content.Span[0];
        afterRelease.Should().Throw<ObjectDisposedException>("a read after the last release is a use-after-return");
    }

    [Fact]
    public async Task GetPooledAsync_StoreThatDoesNotPool_ReturnsPlainContent()
    {
        await _store.PutAsync("blob", Bytes(50_000));
        IObjectStore wrapped = new FaultInjectingObjectStore(_store);

        var content = (await wrapped.GetPooledAsync("blob", new ByteRange(0, 50_000))).Content;

        content.ToArray().Should().Equal(Bytes(50_000));
        PooledBuffer.TryGetFrom(content, out _).Should().BeFalse();
    }

    [Fact]
    public void PooledBuffer_References_ReturnTheArrayAtTheLastReleaseAndRefuseAnExtraOne()
    {
        var buffer = PooledBuffer.Rent(100_000);
        buffer.AddReference();

        buffer.Release();
        buffer.IsReleased.Should().BeFalse("one reference is left");
        buffer.GetSpan().Length.Should().Be(100_000);
        buffer.Release();

        buffer.IsReleased.Should().BeTrue();
        buffer.Invoking(b => b.Release()).Should().Throw<InvalidOperationException>();
        buffer.Invoking(b => b.AddReference()).Should().Throw<ObjectDisposedException>();
    }
}
