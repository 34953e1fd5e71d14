using System.Buffers;

namespace Runnel.Client.Internal;

internal sealed class ByteArraySerde : ISerializer<byte[]>, IDeserializer<byte[]>
{
    public void Serialize(byte[] value, IBufferWriter<byte> output) => output.Write(value);

    public byte[] Deserialize(ReadOnlySpan<byte> data) => data.ToArray();
}
