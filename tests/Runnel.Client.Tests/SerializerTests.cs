using System.Buffers;
using System.Text.Json.Serialization;

namespace Runnel.Client.Tests;

public sealed partial class SerializerTests
{
    public sealed record Order(string Id, int Quantity);

    [JsonSerializable(typeof(Order))]
    internal sealed partial class OrderJsonContext : JsonSerializerContext;

    private static byte[] Write<T>(ISerializer<T> serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Utf8_RoundTrip_KeepsText()
    {
        var bytes = Write(Serializers.Utf8, "héllo ✓");
        bytes.Should().Equal("héllo ✓"u8.ToArray());
        Deserializers.Utf8.Deserialize(bytes).Should().Be("héllo ✓");
    }

    [Fact]
    public void ByteArray_RoundTrip_CopiesBytes()
    {
        byte[] source = [1, 2, 3];
        var bytes = Write(Serializers.ByteArray, source);
        bytes.Should().Equal(1, 2, 3);
        var back = Deserializers.ByteArray.Deserialize(bytes);
        back.Should().Equal(1, 2, 3);
        back.Should().NotBeSameAs(bytes);
    }

    [Fact]
    public void Json_SourceGenerated_RoundTrip()
    {
        var serializer = Serializers.Json(OrderJsonContext.Default.Order);
        var bytes = Write(serializer, new Order("a1", 3));
        System.Text.Encoding.UTF8.GetString(bytes).Should().Be("{\"Id\":\"a1\",\"Quantity\":3}");
        Deserializers.Json(OrderJsonContext.Default.Order).Deserialize(bytes).Should().Be(new Order("a1", 3));
    }

    [Fact]
    public void Json_Reflection_UsesWebDefaults()
    {
        var bytes = Write(Serializers.Json<Order>(), new Order("b", 1));
        System.Text.Encoding.UTF8.GetString(bytes).Should().Be("{\"id\":\"b\",\"quantity\":1}");
        Deserializers.Json<Order>().Deserialize(bytes).Should().Be(new Order("b", 1));
    }

    [Fact]
    public void Custom_Delegates_AreCalled()
    {
        var serializer = Serializers.Create<int>((v, w) => w.Write(BitConverter.GetBytes(v)));
        var deserializer = Deserializers.Create(data => BitConverter.ToInt32(data));
        deserializer.Deserialize(Write(serializer, 42)).Should().Be(42);
    }

    [Fact]
    public void Json_Malformed_Throws()
    {
        var act = () => Deserializers.Json(OrderJsonContext.Default.Order).Deserialize("{not json"u8);
        act.Should().Throw<System.Text.Json.JsonException>();
    }
}
