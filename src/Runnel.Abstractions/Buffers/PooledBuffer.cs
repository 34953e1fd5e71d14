using System.Buffers;
using System.Runtime.InteropServices;

namespace Runnel.Buffers;

/// <summary>
/// An array rented from <see cref="ArrayPool{T}.Shared"/> behind a <see cref="Memory{T}"/>, returned when its last
/// reference is released. A partition log's append blocks live in them (the log's tail cache holds one reference, each
/// read from it takes another), and so does a cold log read; the silo's response writer takes over a read's reference
/// when it attaches the bytes to a frame and releases it once the frame has been sent. So appends and catch-up reads
/// reuse a few warm buffers instead of faulting in fresh pages for every megabyte.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> <see cref="Rent"/> and <see cref="FromRented"/> hand out one reference. Slices of <see cref="MemoryManager{T}.Memory"/>
/// carry the buffer with them (<see cref="TryGetFrom"/> finds it), and the reference passes with them: whoever ends up
/// holding the bytes last calls <see cref="Release"/>; <see cref="AddReference"/> gives another holder its own. A
/// buffer never released is simply collected by the GC (its array is not returned to the pool); a buffer released
/// while someone still reads it is a bug, which span access reports (<see cref="ObjectDisposedException"/>) as long
/// as the buffer has not been rented again.</para>
/// <para>Thread-safe: references may be added and released from any thread.</para>
/// </remarks>
public sealed class PooledBuffer : MemoryManager<byte>
{
    private byte[]? _array;
    private readonly int _length;
    private int _references = 1;

    private PooledBuffer(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    /// <summary>Whether the last reference was released (the array went back to the pool).</summary>
    public bool IsReleased => Volatile.Read(ref _array) is null;

    /// <summary>A buffer of exactly <paramref name="length"/> bytes (uninitialised) holding one reference.</summary>
    public static PooledBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new PooledBuffer(ArrayPool<byte>.Shared.Rent(length), length);
    }

    /// <summary>
    /// A buffer over <paramref name="rented"/>, an array the caller rented from <see cref="ArrayPool{T}.Shared"/> and
    /// filled: its first <paramref name="length"/> bytes. The buffer takes the array over (the caller must not return
    /// it) and hands out one reference.
    /// </summary>
    public static PooledBuffer FromRented(byte[] rented, int length)
    {
        ArgumentNullException.ThrowIfNull(rented);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, rented.Length);
        return new PooledBuffer(rented, length);
    }

    /// <summary>The pooled buffer behind <paramref name="memory"/>, if it is (a slice of) one.</summary>
    public static bool TryGetFrom(ReadOnlyMemory<byte> memory, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PooledBuffer? buffer)
    {
        if (MemoryMarshal.TryGetMemoryManager(memory, out PooledBuffer? manager))
        {
            buffer = manager;
            return true;
        }

        buffer = null;
        return false;
    }

    /// <summary>Adds a reference (for another holder, who releases it).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was already released.</exception>
    public void AddReference()
    {
        while (true)
        {
            var references = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(references <= 0, this);
            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
            {
                return;
            }
        }
    }

    /// <summary>Releases one reference; the last returns the array to the pool.</summary>
    /// <exception cref="InvalidOperationException">Released more often than referenced.</exception>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("A pooled buffer was released more often than it was referenced.");
        }

        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan() => new(Array(), 0, _length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => Array().AsMemory(elementIndex).Pin();

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(Array(), 0, _length);
        return true;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Ownership is by reference count (Release), not by disposal.
    }

    private byte[] Array() => Volatile.Read(ref _array) ?? throw new ObjectDisposedException(nameof(PooledBuffer), "The pooled buffer was used after its last reference was released.");
}
