using System.Buffers;
using System.Text;
using System.Text.Json;
using Runnel.Client;

namespace Runnel.Cli;

/// <summary>Builds the one-line JSON a <c>--json</c> command prints.</summary>
internal static class JsonText
{
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A JSON array of strings: <c>topics list --json</c>, <c>groups list --json</c> (<c>[]</c> when empty).</summary>
    public static string Array(IEnumerable<string> items) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var item in items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    });

    /// <summary>Writes <paramref name="value"/> as <paramref name="name"/>, or null when there is none.</summary>
    public static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Writes <paramref name="value"/> (ISO 8601) as <paramref name="name"/>, or null when there is none.</summary>
    public static void WriteStringOrNull(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            writer.WriteString(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Writes <paramref name="partitions"/> as an array <paramref name="name"/> of <c>{"topic", "partition"}</c>.</summary>
    public static void WriteTopicPartitions(Utf8JsonWriter writer, string name, IEnumerable<TopicPartition> partitions)
    {
        writer.WriteStartArray(name);
        foreach (var p in partitions)
        {
            writer.WriteStartObject();
            writer.WriteString("topic", p.Topic);
            writer.WriteNumber("partition", p.Partition);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
