using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Runnel.Deploy.Tests;

/// <summary>Reading YAML documents in tests: path-checked navigation that names the missing key, and conversion to
/// JSON for schema validation.</summary>
internal static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlNode Get(this YamlNode node, string key) =>
        node.Find(key) ?? throw new KeyNotFoundException($"No '{key}' at line {node.Start.Line} (keys: {string.Join(", ", (node as YamlMappingNode)?.Children.Keys ?? [])}).");

    public static YamlNode Get(this YamlNode node, params string[] path) => path.Aggregate(node, (n, key) => n.Get(key));

    public static string Text(this YamlNode node) =>
        (node as YamlScalarNode)?.Value ?? throw new InvalidOperationException($"Line {node.Start.Line} is not a scalar.");

    public static string Text(this YamlNode node, params string[] path) => node.Get(path).Text();

    public static IReadOnlyList<YamlNode> Items(this YamlNode node, params string[] path) =>
        node.Get(path) is YamlSequenceNode sequence ? sequence.Children.ToList() : throw new InvalidOperationException($"'{string.Join('.', path)}' is not a list.");

    public static int Int(this YamlNode node, params string[] path) => int.Parse(node.Text(path), CultureInfo.InvariantCulture);

    /// <summary>The JSON a YAML-aware tool would see: plain scalars that read as booleans, integers or null become
    /// those, quoted ones stay strings.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(c.Key.Text(), ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar when scalar.Style is YamlDotNet.Core.ScalarStyle.Plain => scalar.Value switch
        {
            null or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var text when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            var text => JsonValue.Create(text),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node at line {node.Start.Line}."),
    };
}
