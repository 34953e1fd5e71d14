namespace Runnel.Client.Tests;

/// <summary><see cref="Offset"/> is a value type with Kafka's special values, as in Confluent.Kafka.</summary>
public sealed class OffsetTests
{
    [Fact]
    public void SpecialValues_KafkasCodes()
    {
        Offset.Beginning.Value.Should().Be(-2);
        Offset.End.Value.Should().Be(-1);
        Offset.Stored.Value.Should().Be(-1000);
        Offset.Unset.Value.Should().Be(-1001);
        new[] { Offset.Beginning, Offset.End, Offset.Stored, Offset.Unset }.Should().OnlyContain(o => o.IsSpecial);
        new Offset(0).IsSpecial.Should().BeFalse();
        new Offset(-5).IsSpecial.Should().BeFalse("a negative number that is not a special value is not one");
    }

    [Fact]
    public void Conversions_FromAndToLong()
    {
        Offset offset = 42;
        long back = offset;

        back.Should().Be(42);
        offset.Should().Be(new Offset(42));
        (offset == new Offset(42)).Should().BeTrue();
        (Offset.Beginning < new Offset(0)).Should().BeTrue();
        default(Offset).Should().Be(new Offset(0));
    }

    [Fact]
    public void ToString_NumberOrNamedSpecial()
    {
        new Offset(7).ToString().Should().Be("7");
        Offset.Beginning.ToString().Should().Be("Beginning [-2]");
        Offset.Stored.ToString().Should().Be("Stored [-1000]");
        new TopicPartitionOffset("orders", 1, 5).ToString().Should().Be("orders[1]@5");
    }

    [Fact]
    public void TopicPartitionOffset_CarriesAnOffsetValue()
    {
        var position = new TopicPartitionOffset("orders", 0, Offset.End);

        position.Offset.Should().Be(Offset.End);
        position.Offset.Should().BeOfType<Offset>();
    }
}
