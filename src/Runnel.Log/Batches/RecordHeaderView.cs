using System.Text;

namespace Runnel.Log.Batches;

/// <summary>A header read from a record: slices of the record's memory (see <see cref="Record"/> for their lifetime).</summary>
public readonly struct RecordHeaderView
{
    internal RecordHeaderView(ReadOnlyMemory<byte> keyUtf8, ReadOnlyMemory<byte>? value)
    {
        KeyUtf8 = keyUtf8;
        Value = value;
    }

    /// <summary>The key's UTF-8 bytes, as stored.</summary>
    public ReadOnlyMemory<byte> KeyUtf8 { get; }

    /// <summary>The value; null for a null value.</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>The key decoded from UTF-8 (allocates a string on each call).</summary>
    public string Key => Encoding.UTF8.GetString(KeyUtf8.Span);
}
