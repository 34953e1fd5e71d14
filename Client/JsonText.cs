using System.Buffers;
using System.Text;
using System.Text.Json;

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
}
