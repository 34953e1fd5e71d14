using System.Collections;
using System.Text;

namespace Runnel.Client;

/// <summary>A record's headers, in order; keys may repeat (as in Kafka). Not thread-safe.</summary>
public sealed class Headers : IReadOnlyList<Header>
{
    private readonly List<Header> _items = [];

    public int Count => _items.Count;

    public Header this[int index] => _items[index];

    /// <summary>Adds a header; the array is kept, not copied.</summary>
    public Headers Add(string key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _items.Add(new Header(key, value));
        return this;
    }

    /// <summary>Adds a header whose value is <paramref name="value"/> in UTF-8 (null stays null).</summary>
    public Headers Add(string key, string? value) => Add(key, value is null ? null : Encoding.UTF8.GetBytes(value));

    /// <summary>The value of the last header named <paramref name="key"/>; false when there is none.</summary>
    public bool TryGetLastValue(string key, out byte[]? value)
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            if (_items[i].Key == key)
            {
                value = _items[i].Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<Header> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
