using System.Text.Json.Nodes;
using Runnel.Silo;
using Runnel.Testing;

namespace Runnel.Deploy.Tests;

/// <summary>
/// infra/*.bicep: every file compiles and lints with no diagnostic at all (an unknown property or API version is a
/// warning in Bicep, so "no warnings" is what catches them), and the compiled template deploys the silo as the silo
/// expects: its option names and ports, identity-only storage, the shutdown grace.
/// </summary>
public sealed class BicepTests
{
    /// <summary>Storage Blob Data Contributor, a built-in role id.</summary>
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

    private static readonly string Infra = Path.Combine(RepoPaths.Root, "infra");

    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Infra, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_Build_CompilesWithoutDiagnostics(string file)
    {
        var (exitCode, stdout, stderr) = await BicepCli.RunAsync("build", Path.Combine(Infra, file), "--stdout");

        exitCode.Should().Be(0, stderr);
        stderr.Should().BeEmpty("warnings are errors here too");
        JsonNode.Parse(stdout)!["$schema"]!.GetValue<string>().Should().ContainEquivalentOf("deploymentTemplate.json");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_Lint_ReportsNothing(string file)
    {
        var (exitCode, _, stderr) = await BicepCli.RunAsync("lint", Path.Combine(Infra, file));

        exitCode.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Bicep_WithAnUnknownProperty_Warns()
    {
        // The check above can fail: a typo in a resource's properties is reported.
        using var directory = new TempDirectory("bicep");
        var file = Path.Combine(directory.Path, "typo.bicep");
        await File.WriteAllTextAsync(file, """
            resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
              name: 'logs'
              location: resourceGroup().location
              properties: {
                retentionInDays: 30
                bogus: true
              }
            }
            """);

        var (_, _, stderr) = await BicepCli.RunAsync("build", file, "--stdout");

        stderr.Should().Contain("Warning").And.Contain("bogus");
    }

    [Fact]
    public async Task Main_Parameters_CoverRegionReplicasAndSkus()
    {
        var template = await CompileMainAsync();
        var parameters = template["parameters"]!.AsObject();

        parameters.Select(p => p.Key).Should().Contain(["environmentName", "location", "siloMinReplicas", "siloMaxReplicas", "storageSku", "workloadProfileType", "siloImage"]);
        parameters["siloMinReplicas"]!["defaultValue"]!.GetValue<int>().Should().BeGreaterThanOrEqualTo(2, "one silo restarting must not stop the cluster");
        template["outputs"]!.AsObject().Select(o => o.Key).Should().Contain(["RUNNEL_BOOTSTRAP", "AZURE_CONTAINER_REGISTRY_ENDPOINT"]);
        var mainParameters = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Infra, "main.parameters.json")))!["parameters"]!.AsObject();
        mainParameters.Select(p => p.Key).Should().BeSubsetOf(parameters.Select(p => p.Key));
    }

    [Fact]
    public async Task ContainerApp_Silo_UsesTheSilosGatewayAndSiloPortsOptionNamesAndShutdownTimeout()
    {
        var resources = await ResourcesAsync();
        var variables = resources.Variables;
        var app = resources.Single("Microsoft.App/containerApps");
        var container = app["properties"]!["template"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.ToString());
        var ingress = app["properties"]!["configuration"]!["ingress"]!;

        env.Keys.Select(SiloSettings.KeyOf).Should().BeSubsetOf(SiloSettings.Keys);
        variables["gatewayPort"]!.GetValue<int>().Should().Be(SiloSettings.DefaultPort);
        variables["siloPort"]!.GetValue<int>().Should().Be(SiloSettings.DefaultSiloPort);
        variables["httpPort"]!.GetValue<int>().Should().Be(SiloSettings.DefaultHttpPort);
        env["Runnel__Silo__Port"].Should().Be("[string(variables('gatewayPort'))]");
        env["Runnel__Silo__SiloPort"].Should().Be("[string(variables('siloPort'))]");
        variables["shutdownGraceSeconds"]!.GetValue<int>().Should().Be((int)SiloSettings.HostShutdownTimeout.TotalSeconds);
        app["properties"]!["template"]!["terminationGracePeriodSeconds"]!.ToString().Should().Be("[variables('shutdownGraceSeconds')]");
        ingress["transport"]!.GetValue<string>().Should().Be("tcp");
        ingress["external"]!.GetValue<bool>().Should().BeFalse("clients connect from inside the network");
        ingress["targetPort"]!.ToString().Should().Be("[variables('gatewayPort')]", "clients connect to the gateway");
        ingress["additionalPortMappings"]!.AsArray().Select(m => m!["targetPort"]!.ToString()).Should().NotContain("[variables('siloPort')]",
            "silos reach each other at the replica addresses they advertise, not through the load-balanced ingress");
        env["Runnel__Storage__Kind"].Should().Be("azure");
        env["Runnel__Silo__ListenAddress"].Should().Be("0.0.0.0");
        env["Runnel__Silo__AdvertisedAddress"].Should().Be(AdvertisedAddress.MachineToken);
        env.Should().ContainKeys("Runnel__Storage__BlobEndpoint", "Runnel__Storage__ManagedIdentityClientId");
        app["properties"]!["template"]!["scale"]!["rules"]!.AsArray().Should().NotBeEmpty();
        variables["siloProbes"]!.ToString().Should().Contain("/healthz").And.Contain("/readyz");
    }

    [Fact]
    public async Task Storage_SharedKeysOff_SiloHasOnlyItsIdentityAndNoSecrets()
    {
        var resources = await ResourcesAsync();
        var storage = resources.Single("Microsoft.Storage/storageAccounts")["properties"]!;
        var app = resources.Single("Microsoft.App/containerApps");
        var roles = resources.All("Microsoft.Authorization/roleAssignments");

        storage["allowSharedKeyAccess"]!.GetValue<bool>().Should().BeFalse();
        storage["allowBlobPublicAccess"]!.GetValue<bool>().Should().BeFalse();
        var blobRole = resources.Variables.Single(v => v.Value!.ToString() == BlobDataContributor).Key;
        roles.Should().ContainSingle(r => r["properties"]!["roleDefinitionId"]!.ToString().Contains($"variables('{blobRole}')", StringComparison.Ordinal))
            .Which["scope"]!.ToString().Should().Contain("Microsoft.Storage/storageAccounts");
        app["identity"]!["type"]!.GetValue<string>().Should().Be("UserAssigned");
        app["properties"]!["configuration"]!["secrets"].Should().BeNull("the silo authenticates with its identity");
        app.ToJsonString().Should().NotContain("ConnectionString").And.NotContain("listKeys");
    }

    /// <summary>main.bicep compiled once for the tests that read the template (each CLI run takes seconds).</summary>
    private static readonly Lazy<Task<string>> MainTemplate = new(async () =>
    {
        var (exitCode, stdout, stderr) = await BicepCli.RunAsync("build", Path.Combine(Infra, "main.bicep"), "--stdout");
        exitCode.Should().Be(0, stderr);
        return stdout;
    });

    private static async Task<JsonObject> CompileMainAsync() => JsonNode.Parse(await MainTemplate.Value)!.AsObject();

    private static async Task<Template> ResourcesAsync()
    {
        var main = await CompileMainAsync();
        var module = new Template(main).Single("Microsoft.Resources/deployments");
        return new Template(module["properties"]!["template"]!.AsObject());
    }

    /// <summary>A compiled ARM template; its resources are an array, or an object by symbolic name (language 2.0).</summary>
    private sealed class Template(JsonObject template)
    {
        public JsonObject Variables => template["variables"]!.AsObject();

        public IReadOnlyList<JsonNode> All(string type)
        {
            var resources = template["resources"] switch
            {
                JsonArray array => array.Select(r => r!),
                JsonObject map => map.Select(r => r.Value!),
                _ => [],
            };
            return resources.Where(r => r["type"]!.GetValue<string>() == type).ToList();
        }

        public JsonNode Single(string type) => All(type).Should().ContainSingle($"one {type}").Subject;
    }
}
