using System.Buffers;
using System.Text;

namespace Runnel.Client.Internal;

internal sealed class Utf8Serde : ISerializer<string>, IDeserializer<string>
{
    public void Serialize(string value, IBufferWriter<byte> output) => Encoding.UTF8.GetBytes(value, output);

    public string Deserialize(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);
}
