using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Runnel.Runtime.Client;

/// <summary>
/// The pooled buffers large responses arrive in on a client connection, and the one way to give them back. A response
/// frame of at least <see cref="MinPooledFrameBytes"/> is read into an array rented from <see cref="ArrayPool{T}.Shared"/>
/// (a catch-up consumer's fetch responses are 1 MiB each: a fresh array per response made the client page-fault and
/// collect gen 2 for every few of them). Results decoded from it hold slices of it, so the transport never returns it
/// on its own: a frame nobody hands back is simply collected, as an unpooled one would be. The receiver that knows it
/// holds the only reference to a result (the consumer, for its fetch responses) returns the frame when done with it.
/// </summary>
/// <remarks>Thread-safe. Returning is exactly-once per frame: a second <see cref="TryReturn"/> of the same frame, or of
/// memory that is not a pooled frame (a test fake's array, a local call's result), returns false and does nothing.</remarks>
public static class UnsafeReceiveBuffers
{
    /// <summary>Frames this large or larger are pooled: below the large-object heap's 85,000 bytes a fresh array is cheap.</summary>
    public const int MinPooledFrameBytes = 64 * 1024;

    /// <summary>The pooled frames not yet returned; weak, so a frame that is never returned is collected.</summary>
    private static readonly ConditionalWeakTable<byte[], object> Outstanding = [];

    private static readonly object Marker = new();

    /// <summary>
    /// Returns the pooled response frame behind <paramref name="slice"/> (any slice of it) to the pool. Unsafe: the caller
    /// promises that nothing reads any slice of that frame afterwards (every value decoded from the response that refers
    /// to its bytes is dead), since the array is handed to the next renter.
    /// </summary>
    /// <returns>True when the frame was pooled and not yet returned; false otherwise (nothing happened).</returns>
    public static bool TryReturn(ReadOnlyMemory<byte> slice)
    {
        if (!MemoryMarshal.TryGetArray(slice, out var segment) || segment.Array is not { } array || !Outstanding.Remove(array))
        {
            return false;
        }

        ArrayPool<byte>.Shared.Return(array);
        return true;
    }

    /// <summary>Whether <paramref name="slice"/> is part of a pooled frame not yet returned (for tests).</summary>
    internal static bool IsOutstanding(ReadOnlyMemory<byte> slice) =>
        MemoryMarshal.TryGetArray(slice, out var segment) && segment.Array is { } array && Outstanding.TryGetValue(array, out _);

    /// <summary>Rents a frame buffer of at least <paramref name="size"/> bytes and marks it returnable.</summary>
    internal static byte[] Rent(int size)
    {
        var array = ArrayPool<byte>.Shared.Rent(size);
        Outstanding.AddOrUpdate(array, Marker);
        return array;
    }
}
