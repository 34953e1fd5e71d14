using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Runnel.Client.Internal;

/// <summary>
/// An immutable hash map (a hash array mapped trie): the table's published version. A version is never changed once
/// published; <see cref="Editor"/> makes the next one from it, copying only the paths it changes, and mutating in
/// place the nodes it created itself (a transient edit), so a batch of changes costs a few small arrays per record,
/// not a copy of the map.
/// </summary>
/// <remarks>
/// <code>
///   node:  bitmap (32 bits, one per 5-bit hash chunk) | slots[popcount(bitmap)]   slot = entry | node
///   level 0 uses hash bits 0-4, level 1 bits 5-9, ... level 6 bits 30-31; keys whose 32-bit hashes are equal
///   end in a collision node (a plain array of entries) below level 6.
/// </code>
/// Thread-safety: a published map is read by any number of threads without locks; an editor is used by one thread.
/// Cost: a lookup walks about log32(n) nodes (4 for a million keys); an edit copies at most that many small arrays.
/// </remarks>
internal sealed class HashTrie<TKey, TValue> : IReadOnlyDictionary<TKey, TValue>
    where TKey : notnull
{
    private const int Bits = 5;
    private const int Mask = (1 << Bits) - 1;

    private readonly Node? _root;
    private readonly IEqualityComparer<TKey> _comparer;

    private HashTrie(Node? root, int count, IEqualityComparer<TKey> comparer)
    {
        _root = root;
        Count = count;
        _comparer = comparer;
    }

    public static HashTrie<TKey, TValue> Empty(IEqualityComparer<TKey>? comparer) => new(null, 0, comparer ?? EqualityComparer<TKey>.Default);

    public int Count { get; }

    public TValue this[TKey key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The table has no row for key '{key}'.");

    public IEnumerable<TKey> Keys => this.Select(kv => kv.Key);

    public IEnumerable<TValue> Values => this.Select(kv => kv.Value);

    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        var hash = _comparer.GetHashCode(key);
        var node = _root;
        var shift = 0;
        while (node is not null)
        {
            if (node is CollisionNode collision)
            {
                foreach (Entry entry in collision.Entries)
                {
                    if (_comparer.Equals(entry.Key, key))
                    {
                        value = entry.Value;
                        return true;
                    }
                }

                break;
            }

            var map = (MapNode)node;
            var bit = 1u << ((hash >>> shift) & Mask);
            if ((map.Bitmap & bit) == 0)
            {
                break;
            }

            var slot = map.Slots[BitOperations.PopCount(map.Bitmap & (bit - 1))];
            if (slot is Entry found)
            {
                if (found.Hash == hash && _comparer.Equals(found.Key, key))
                {
                    value = found.Value;
                    return true;
                }

                break;
            }

            node = (Node)slot;
            shift += Bits;
        }

        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        if (_root is null)
        {
            yield break;
        }

        var stack = new Stack<(Node Node, int Index)>();
        stack.Push((_root, 0));
        while (stack.TryPop(out var top))
        {
            var (node, index) = top;
            var slots = node is MapNode map ? map.Slots : ((CollisionNode)node).Entries;
            for (var i = index; i < slots.Length; i++)
            {
                if (slots[i] is Entry entry)
                {
                    yield return new KeyValuePair<TKey, TValue>(entry.Key, entry.Value);
                }
                else
                {
                    stack.Push((node, i + 1));
                    stack.Push(((Node)slots[i], 0));
                    break;
                }
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Starts the next version from this one.</summary>
    public Editor Edit() => new(this);

    /// <summary>Makes a new version from a published one: changes apply to nodes copied for this edit (nodes the edit
    /// created are changed in place), then <see cref="Publish"/> returns the version. One thread; usable once.</summary>
    internal sealed class Editor(HashTrie<TKey, TValue> from)
    {
        private readonly object _owner = new();
        private readonly IEqualityComparer<TKey> _comparer = from._comparer;
        private Node? _root = from._root;
        private int _count = from.Count;
        private bool _published;

        /// <summary>Sets <paramref name="key"/>'s value.</summary>
        public void Set(TKey key, TValue value)
        {
            ObjectDisposedException.ThrowIf(_published, this);
            var entry = new Entry(_comparer.GetHashCode(key), key, value);
            if (_root is null)
            {
                _root = new MapNode(_owner, 1u << (entry.Hash & Mask), [entry]);
                _count++;
                return;
            }

            var added = false;
            _root = Set(_root, entry, 0, ref added);
            if (added)
            {
                _count++;
            }
        }

        /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
        public bool Remove(TKey key)
        {
            ObjectDisposedException.ThrowIf(_published, this);
            if (_root is null)
            {
                return false;
            }

            var removed = false;
            _root = Remove(_root, _comparer.GetHashCode(key), key, 0, ref removed);
            if (removed)
            {
                _count--;
            }

            return removed;
        }

        /// <summary>The version with every change so far. The editor is done: its nodes are never changed again.</summary>
        public HashTrie<TKey, TValue> Publish()
        {
            _published = true;
            return new HashTrie<TKey, TValue>(_root, _count, _comparer);
        }

        private Node Set(Node node, Entry entry, int shift, ref bool added)
        {
            if (node is CollisionNode collision)
            {
                var entries = collision.Entries;
                for (var i = 0; i < entries.Length; i++)
                {
                    if (_comparer.Equals(((Entry)entries[i]).Key, entry.Key))
                    {
                        var replaced = Own(collision);
                        replaced.Entries[i] = entry;
                        return replaced;
                    }
                }

                added = true;
                return new CollisionNode(_owner, collision.Hash, [.. entries, entry]);
            }

            var map = (MapNode)node;
            var bit = 1u << ((entry.Hash >>> shift) & Mask);
            var index = BitOperations.PopCount(map.Bitmap & (bit - 1));
            if ((map.Bitmap & bit) == 0)
            {
                added = true;
                var grown = new object[map.Slots.Length + 1];
                Array.Copy(map.Slots, grown, index);
                grown[index] = entry;
                Array.Copy(map.Slots, index, grown, index + 1, map.Slots.Length - index);
                var owned = map.Owner == _owner ? map : new MapNode(_owner, map.Bitmap, map.Slots);
                owned.Bitmap |= bit;
                owned.Slots = grown;
                return owned;
            }

            var slot = map.Slots[index];
            object updated;
            if (slot is Entry existing)
            {
                if (existing.Hash == entry.Hash && _comparer.Equals(existing.Key, entry.Key))
                {
                    updated = entry;
                }
                else
                {
                    added = true;
                    updated = Split(existing, entry, shift + Bits);
                }
            }
            else
            {
                updated = Set((Node)slot, entry, shift + Bits, ref added);
                if (ReferenceEquals(updated, slot))
                {
                    return map; // changed in place below: this node is unchanged
                }
            }

            var result = OwnMap(map);
            result.Slots[index] = updated;
            return result;
        }

        /// <summary>A node holding two entries whose hashes agree below <paramref name="shift"/>.</summary>
        private Node Split(Entry a, Entry b, int shift)
        {
            if (shift >= 32)
            {
                return new CollisionNode(_owner, a.Hash, [a, b]);
            }

            var bitA = 1u << ((a.Hash >>> shift) & Mask);
            var bitB = 1u << ((b.Hash >>> shift) & Mask);
            if (bitA == bitB)
            {
                return new MapNode(_owner, bitA, [Split(a, b, shift + Bits)]);
            }

            return bitA < bitB ? new MapNode(_owner, bitA | bitB, [a, b]) : new MapNode(_owner, bitA | bitB, [b, a]);
        }

        private Node? Remove(Node node, int hash, TKey key, int shift, ref bool removed)
        {
            if (node is CollisionNode collision)
            {
                var at = Array.FindIndex(collision.Entries, e => _comparer.Equals(((Entry)e).Key, key));
                if (at < 0)
                {
                    return node;
                }

                removed = true;
                if (collision.Entries.Length == 1)
                {
                    return null;
                }

                var rest = new object[collision.Entries.Length - 1];
                Array.Copy(collision.Entries, rest, at);
                Array.Copy(collision.Entries, at + 1, rest, at, rest.Length - at);
                return new CollisionNode(_owner, collision.Hash, rest);
            }

            var map = (MapNode)node;
            var bit = 1u << ((hash >>> shift) & Mask);
            if ((map.Bitmap & bit) == 0)
            {
                return node;
            }

            var index = BitOperations.PopCount(map.Bitmap & (bit - 1));
            var slot = map.Slots[index];
            object? updated;
            if (slot is Entry existing)
            {
                if (existing.Hash != hash || !_comparer.Equals(existing.Key, key))
                {
                    return node;
                }

                removed = true;
                updated = null;
            }
            else
            {
                updated = Remove((Node)slot, hash, key, shift + Bits, ref removed);
                if (!removed || ReferenceEquals(updated, slot))
                {
                    return node;
                }
            }

            if (updated is null)
            {
                if (map.Slots.Length == 1)
                {
                    return null;
                }

                var shrunk = new object[map.Slots.Length - 1];
                Array.Copy(map.Slots, shrunk, index);
                Array.Copy(map.Slots, index + 1, shrunk, index, shrunk.Length - index);
                var owned = map.Owner == _owner ? map : new MapNode(_owner, map.Bitmap, map.Slots);
                owned.Bitmap &= ~bit;
                owned.Slots = shrunk;
                return owned;
            }

            var result = OwnMap(map);
            result.Slots[index] = updated;
            return result;
        }

        /// <summary>The node itself when this edit made it, else a copy this edit owns (slots copied).</summary>
        private MapNode OwnMap(MapNode map) => map.Owner == _owner ? map : new MapNode(_owner, map.Bitmap, (object[])map.Slots.Clone());

        private CollisionNode Own(CollisionNode node) => node.Owner == _owner ? node : new CollisionNode(_owner, node.Hash, (object[])node.Entries.Clone());
    }

    private abstract class Node(object owner)
    {
        /// <summary>The edit that created the node: only it may change the node, and only before it publishes.</summary>
        public object Owner { get; } = owner;
    }

    private sealed class MapNode(object owner, uint bitmap, object[] slots) : Node(owner)
    {
        public uint Bitmap { get; set; } = bitmap;

        /// <summary>One per set bit of <see cref="Bitmap"/>, in bit order: an <see cref="Entry"/> or a child <see cref="Node"/>.</summary>
        public object[] Slots { get; set; } = slots;
    }

    /// <summary>Entries whose 32-bit hashes are all <see cref="Hash"/>.</summary>
    private sealed class CollisionNode(object owner, int hash, object[] entries) : Node(owner)
    {
        public int Hash { get; } = hash;

        public object[] Entries { get; } = entries;
    }

    private sealed class Entry(int hash, TKey key, TValue value)
    {
        public int Hash { get; } = hash;

        public TKey Key { get; } = key;

        public TValue Value { get; } = value;
    }
}
