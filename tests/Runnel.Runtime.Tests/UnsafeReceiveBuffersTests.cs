using Runnel.Runtime.Client;

namespace Runnel.Runtime.Tests;

public sealed class UnsafeReceiveBuffersTests
{
    [Fact]
    public void TryReturn_PooledFrameSlice_ReturnsItOnceOnly()
    {
        var frame = UnsafeReceiveBuffers.Rent(UnsafeReceiveBuffers.MinPooledFrameBytes);
        var slice = frame.AsMemory(100, 1000);
        UnsafeReceiveBuffers.IsOutstanding(slice).Should().BeTrue();

        UnsafeReceiveBuffers.TryReturn(slice).Should().BeTrue();

        UnsafeReceiveBuffers.IsOutstanding(slice).Should().BeFalse();
        UnsafeReceiveBuffers.TryReturn(slice).Should().BeFalse("a frame goes back to the pool once: twice would hand it to two renters");
        UnsafeReceiveBuffers.TryReturn(frame).Should().BeFalse();
    }

    [Fact]
    public void TryReturn_MemoryThatIsNotAPooledFrame_DoesNothing()
    {
        UnsafeReceiveBuffers.TryReturn(new byte[UnsafeReceiveBuffers.MinPooledFrameBytes]).Should().BeFalse();
        UnsafeReceiveBuffers.TryReturn(ReadOnlyMemory<byte>.Empty).Should().BeFalse();
    }
}
