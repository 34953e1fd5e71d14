using YamlDotNet.RepresentationModel;

namespace Runnel.Deploy.Tests;

/// <summary>
/// A kustomization directory read the way the tests need it (not a kustomize): its resources with those of the bases
/// it includes, its patches, and the variables of its generated ConfigMaps. Every file it names must exist.
/// </summary>
internal sealed class Kustomization
{
    private Kustomization(string directory, YamlMappingNode root)
    {
        Directory = directory;
        var resources = new List<YamlMappingNode>();
        var bases = new List<Kustomization>();
        foreach (var entry in Names(root, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (System.IO.Directory.Exists(path))
            {
                var included = Load(path);
                bases.Add(included);
                resources.AddRange(included.Resources);
            }
            else
            {
                File.Exists(path).Should().BeTrue("{0} lists {1}", directory, entry);
                resources.AddRange(Yaml.LoadAll(path));
            }
        }

        Resources = resources;
        Bases = bases;
        Patches = (root.Find("patches") as YamlSequenceNode)?.Children.SelectMany(p => Yaml.LoadAll(Path.Combine(directory, p.Text("path")))).ToList() ?? [];
        GeneratedConfig = (root.Find("configMapGenerator") as YamlSequenceNode)?.Children
            .ToDictionary(g => g.Text("name"), g => ReadEnvFiles(directory, g)) ?? [];
    }

    public string Directory { get; }

    public IReadOnlyList<YamlMappingNode> Resources { get; }

    public IReadOnlyList<Kustomization> Bases { get; }

    public IReadOnlyList<YamlMappingNode> Patches { get; }

    /// <summary>ConfigMap name → its variables, from the generator's env files and literals.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> GeneratedConfig { get; }

    public static Kustomization Load(string directory)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        File.Exists(file).Should().BeTrue("{0} is a kustomization", directory);
        return new Kustomization(directory, Yaml.LoadAll(file).Single());
    }

    public YamlMappingNode Single(string kind, string name) =>
        Resources.Should().ContainSingle(r => r.Text("kind") == kind && r.Text("metadata", "name") == name, $"one {kind} {name}").Subject;

    private static IEnumerable<string> Names(YamlMappingNode root, string key) =>
        (root.Find(key) as YamlSequenceNode)?.Children.Select(c => c.Text()) ?? [];

    private static Dictionary<string, string> ReadEnvFiles(string directory, YamlNode generator)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in (generator.Find("envs") as YamlSequenceNode)?.Children.Select(c => c.Text()) ?? [])
        {
            var path = Path.Combine(directory, file);
            File.Exists(path).Should().BeTrue("{0} generates from {1}", directory, file);
            foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        foreach (var literal in (generator.Find("literals") as YamlSequenceNode)?.Children.Select(c => c.Text()) ?? [])
        {
            var equals = literal.IndexOf('=', StringComparison.Ordinal);
            values[literal[..equals]] = literal[(equals + 1)..];
        }

        return values;
    }
}
