using System.Buffers;
using System.Buffers.Binary;

namespace Runnel.Runtime.Transport;

/// <summary>A cancel frame for one correlation id (layout in <see cref="FrameFormat"/>).</summary>
internal sealed class CancelFrame : IOutgoingFrame
{
    private const int BodyLength = 2 + 8;
    private readonly byte[] _bytes = new byte[FrameFormat.LengthBytes + BodyLength];

    public CancelFrame(long correlationId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes, BodyLength);
        _bytes[4] = FrameFormat.Version;
        _bytes[5] = FrameFormat.KindCancel;
        BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(6), correlationId);
    }

    public bool TryWriteFrame(IBufferWriter<byte> output)
    {
        output.Write(_bytes);
        return true;
    }

    public void Release()
    {
    }
}
