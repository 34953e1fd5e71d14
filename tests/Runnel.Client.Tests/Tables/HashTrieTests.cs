using Runnel.Client.Internal;

namespace Runnel.Client.Tests.Tables;

/// <summary>The table's versions (a persistent hash trie) against a plain dictionary: seeded random edits, with a comparer
/// that makes most hashes collide, and every published version left exactly as it was published.</summary>
public sealed class HashTrieTests
{
    /// <summary>Hashes only the last digit: keys share hash chunks down to the collision nodes.</summary>
    private sealed class FewHashes : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => obj[^1] * 0x01010101;
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Edits_SeededRandom_MatchADictionaryAndPublishedVersionsNeverChange(int seed, bool collide)
    {
        var random = new Random(seed);
        IEqualityComparer<string> comparer = collide ? new FewHashes() : StringComparer.Ordinal;
        var trie = HashTrie<string, int>.Empty(comparer);
        var model = new Dictionary<string, int>(comparer);
        var published = new List<(HashTrie<string, int> Version, Dictionary<string, int> Expected)>();
        for (var batch = 0; batch < 200; batch++)
        {
            var editor = trie.Edit();
            for (var i = random.Next(1, 60); i > 0; i--)
            {
                var key = $"k{random.Next(collide ? 300 : 3000)}";
                if (random.Next(4) == 0)
                {
                    editor.Remove(key).Should().Be(model.Remove(key));
                }
                else
                {
                    var value = random.Next();
                    editor.Set(key, value);
                    model[key] = value;
                }
            }

            trie = editor.Publish();
            trie.Count.Should().Be(model.Count);
            if (batch % 20 == 0)
            {
                published.Add((trie, new Dictionary<string, int>(model, comparer)));
            }
        }

        foreach (var (version, expected) in published.Append((trie, model)))
        {
            version.Count.Should().Be(expected.Count);
            version.Should().BeEquivalentTo(expected, "enumeration yields each row once");
            foreach (var (key, value) in expected)
            {
                version.TryGetValue(key, out var found).Should().BeTrue();
                found.Should().Be(value);
            }

            version.TryGetValue("absent", out _).Should().BeFalse();
        }
    }
}
