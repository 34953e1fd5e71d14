using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Runnel.Testing;

namespace Runnel.Deploy.Tests;

/// <summary>azure.yaml against the Azure Developer CLI's published schema (shared/schemas, beside the repository), and
/// its paths against the repository.</summary>
public sealed class AzureYamlTests
{
    private static readonly string SchemaPath = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "schemas", "azure.yaml.json"));

    private static readonly Lazy<JsonSchema> Schema = new(() =>
    {
        File.Exists(SchemaPath).Should().BeTrue("azd's schema is kept in shared/schemas beside the repository ({0})", SchemaPath);
        return JsonSchema.FromText(File.ReadAllText(SchemaPath));
    });

    private static readonly YamlDotNet.RepresentationModel.YamlMappingNode AzureYaml = Yaml.LoadAll(Path.Combine(RepoPaths.Root, "azure.yaml")).Single();

    [Fact]
    public void AzureYaml_MatchesAzdSchema()
    {
        var errors = Evaluate(Yaml.ToJson(AzureYaml)!);

        errors.Should().BeEmpty();
    }

    [Fact]
    public void AzureYaml_WithAnInvalidName_FailsTheSchema()
    {
        var document = Yaml.ToJson(AzureYaml)!.AsObject();
        document["name"] = "Runnel Cluster";

        Evaluate(document).Should().Contain(e => e.Contains("/name", StringComparison.Ordinal));
    }

    [Fact]
    public void AzureYaml_Paths_PointAtTheSiloDockerfileAndBicep()
    {
        var infra = AzureYaml.Get("infra");
        var silo = AzureYaml.Get("services", "silo");
        var project = Path.GetFullPath(Path.Combine(RepoPaths.Root, silo.Text("project")));

        infra.Text("provider").Should().Be("bicep");
        File.Exists(Path.Combine(RepoPaths.Root, infra.Text("path"), infra.Text("module") + ".bicep")).Should().BeTrue();
        File.Exists(Path.Combine(project, "Silo.csproj")).Should().BeTrue();
        silo.Text("host").Should().Be("containerapp");
        Path.GetFullPath(Path.Combine(project, silo.Text("docker", "path"))).Should().Be(Path.Combine(RepoPaths.Root, "Dockerfile"));
        Path.GetFullPath(Path.Combine(project, silo.Text("docker", "context"))).TrimEnd('/').Should().Be(RepoPaths.Root.TrimEnd('/'));
        File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "resources.bicep")).Should().Contain("'azd-service-name': 'silo'", "azd finds the service's app by this tag");
    }

    private static List<string> Evaluate(JsonNode document)
    {
        using var json = JsonDocument.Parse(document.ToJsonString());
        var result = Schema.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).ToList();
    }
}
