using Runnel.Silo;
using Runnel.Testing;
using YamlDotNet.RepresentationModel;

namespace Runnel.Deploy.Tests;

/// <summary>
/// infra/k8s: the base (Deployment, Service, PodDisruptionBudget) and its two variants, checked against the silo's
/// options: ports and environment names come from the options types and appsettings.json, the grace period from the
/// host's shutdown timeout, and each variant's storage settings must pass the silo's own validator.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string SiloName = "runnel-silo";

    private static readonly string K8s = Path.Combine(RepoPaths.Root, "infra", "k8s");

    private readonly Kustomization _base = Kustomization.Load(Path.Combine(K8s, "base"));

    public static TheoryData<string> Variants() => new() { "azure-blob", "in-cluster" };

    private YamlMappingNode Deployment => _base.Single("Deployment", SiloName);

    private YamlNode Container => Deployment.Items("spec", "template", "spec", "containers").Should().ContainSingle().Subject;

    [Fact]
    public void Base_ListsItsManifests_EveryKindOnce()
    {
        _base.Resources.Select(r => r.Text("kind")).Should().BeEquivalentTo(["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget"]);
        _base.Resources.Select(r => r.Text("apiVersion")).Should().BeEquivalentTo(["v1", "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1", "apps/v1", "v1", "policy/v1"]);
    }

    [Fact]
    public void Deployment_ContainerPorts_AreTheSilosGatewaySiloAndHttpPorts()
    {
        var ports = Container.Items("ports").ToDictionary(p => p.Text("name"), p => p.Int("containerPort"));
        var env = LiteralEnvironment();
        var (host, silo) = SiloSettings.Bind(env);

        ports.Should().BeEquivalentTo(new Dictionary<string, int>
        {
            ["gateway"] = SiloSettings.DefaultPort,
            ["silo"] = SiloSettings.DefaultSiloPort,
            ["http"] = SiloSettings.DefaultHttpPort,
        });
        (silo.Port, silo.EffectiveSiloPort, host.HttpPort).Should().Be((SiloSettings.DefaultPort, SiloSettings.DefaultSiloPort, SiloSettings.DefaultHttpPort),
            "the pod's environment must not move the ports away from the container ports");
        env.Should().ContainKey("Runnel__Silo__SiloPort", "the silo port is stated, not left to be derived from the gateway port");
    }

    [Fact]
    public void Deployment_Probes_ReadinessIsReadyzLivenessIsHealthzOnTheHttpPort()
    {
        Container.Text("readinessProbe", "httpGet", "path").Should().Be("/readyz");
        Container.Text("livenessProbe", "httpGet", "path").Should().Be("/healthz");
        Container.Text("startupProbe", "httpGet", "path").Should().Be("/healthz");
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            Container.Text(probe, "httpGet", "port").Should().Be("http");
        }

        Container.Int("readinessProbe", "timeoutSeconds").Should().BeGreaterThan((int)ReadinessCheck.ProbeTimeout.TotalSeconds, "/readyz may take the store's probe timeout to answer");
    }

    [Fact]
    public void Deployment_TerminationGrace_IsThePreStopPausePlusTheSilosHostShutdownTimeout()
    {
        var preStop = Container.Int("lifecycle", "preStop", "sleep", "seconds");

        preStop.Should().BePositive("the pod leaves the Service's endpoints before the silo starts handing over");
        Deployment.Int("spec", "template", "spec", "terminationGracePeriodSeconds").Should().Be(preStop + (int)SiloSettings.HostShutdownTimeout.TotalSeconds,
            "the grace period starts with preStop; SIGKILL must not cut the silo's own shutdown short");
    }

    [Fact]
    public void Deployment_KubernetesHosting_HasThePodFieldsLabelsAndRbacItNeeds()
    {
        var env = Container.Items("env").ToDictionary(e => e.Text("name"));
        var (_, silo) = SiloSettings.Bind(LiteralEnvironment());
        var podLabels = Labels(Deployment.Get("spec", "template", "metadata", "labels")).ToDictionary();
        var account = Deployment.Text("spec", "template", "spec", "serviceAccountName");
        var role = _base.Single("Role", SiloName);
        var binding = _base.Single("RoleBinding", SiloName);

        silo.Kubernetes.Should().BeTrue("the silos run with Orleans' Kubernetes hosting");
        env[Silo.RunnelSiloOptions.PodNameVariable].Text("valueFrom", "fieldRef", "fieldPath").Should().Be("metadata.name");
        env[Silo.RunnelSiloOptions.PodNamespaceVariable].Text("valueFrom", "fieldRef", "fieldPath").Should().Be("metadata.namespace");
        env["POD_IP"].Text("valueFrom", "fieldRef", "fieldPath").Should().Be("status.podIP");
        podLabels.Should().Contain(KeyValuePair.Create("orleans/serviceId", RunnelCluster.ServiceId), "Orleans finds the silos' pods by service id and cluster id");
        podLabels.Should().Contain(KeyValuePair.Create("orleans/clusterId", silo.ClusterId));
        _base.Single("ServiceAccount", account).Text("automountServiceAccountToken").Should().Be("true", "the silo calls the API server with its token");
        var rule = role.Items("rules").Single();
        rule.Items("resources").Select(r => r.Text()).Should().Equal("pods");
        rule.Items("verbs").Select(v => v.Text()).Should().Contain(["get", "list", "watch"]);
        binding.Text("roleRef", "kind").Should().Be("Role");
        binding.Text("roleRef", "name").Should().Be(role.Text("metadata", "name"));
        binding.Items("subjects").Should().ContainSingle(s => s.Text("kind") == "ServiceAccount" && s.Text("name") == account);
    }

    [Fact]
    public void Deployment_Container_RequestsResourcesRunsNonRootReadOnly()
    {
        Container.Get("resources", "requests").Find("cpu").Should().NotBeNull();
        Container.Get("resources", "requests").Find("memory").Should().NotBeNull();
        Container.Text("securityContext", "readOnlyRootFilesystem").Should().Be("true");
        var pod = Deployment.Get("spec", "template", "spec");
        pod.Text("securityContext", "runAsNonRoot").Should().Be("true");
        var imageUser = Dockerfile.Load(Path.Combine(RepoPaths.Root, "Dockerfile")).Final.All("USER").Single();
        pod.Text("securityContext", "runAsUser").Should().Be(imageUser, "the pod runs as the image's user");
    }

    [Fact]
    public void Deployment_Environment_NamesOnlySiloKeysAndAdvertisesThePodIp()
    {
        var env = Container.Items("env");
        var names = env.Select(e => e.Text("name")).ToList();

        names.Where(n => !n.StartsWith("POD_", StringComparison.Ordinal)).Select(SiloSettings.KeyOf).Should().BeSubsetOf(SiloSettings.Keys);
        env.Single(e => e.Text("name") == "Runnel__Silo__AdvertisedAddress").Text("valueFrom", "fieldRef", "fieldPath").Should().Be("status.podIP");
        LiteralEnvironment()["Runnel__Silo__ListenAddress"].Should().Be("0.0.0.0");
        Container.Items("envFrom").Select(e => e.Text("configMapRef", "name")).Should().Contain("runnel-storage");
    }

    [Fact]
    public void ServiceAndBudget_SelectTheSiloPods_ServiceExposesTheGatewayNotTheSiloPort()
    {
        var podLabels = Labels(Deployment.Get("spec", "template", "metadata", "labels"));
        var service = _base.Single("Service", SiloName);
        var budget = _base.Single("PodDisruptionBudget", SiloName);
        var containerPorts = Container.Items("ports").Select(p => p.Text("name"));

        Labels(Deployment.Get("spec", "selector", "matchLabels")).Should().BeSubsetOf(podLabels);
        Labels(service.Get("spec", "selector")).Should().BeSubsetOf(podLabels);
        Labels(budget.Get("spec", "selector", "matchLabels")).Should().BeSubsetOf(podLabels);
        service.Items("spec", "ports").Select(p => p.Text("targetPort")).Should().BeSubsetOf(containerPorts);
        service.Items("spec", "ports").Single(p => p.Text("name") == "gateway").Int("port").Should().Be(SiloSettings.DefaultPort, "clients bootstrap to the silos' gateway port");
        service.Items("spec", "ports").Select(p => p.Text("targetPort")).Should().NotContain("silo",
            "silos reach each other at their advertised pod IPs on the silo port; a load-balanced address would reach an arbitrary pod");
        Deployment.Int("spec", "replicas").Should().BeGreaterThan(budget.Int("spec", "maxUnavailable"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_StorageSettings_PassTheSilosValidator(string variant)
    {
        var kustomization = Kustomization.Load(Path.Combine(K8s, variant));
        var storage = kustomization.GeneratedConfig.Should().ContainKey("runnel-storage").WhoseValue;
        var env = new Dictionary<string, string?>(LiteralEnvironment()) { ["Runnel__Silo__AdvertisedAddress"] = "10.244.1.7" };
        foreach (var (name, value) in storage)
        {
            env[name] = value;
        }

        var (host, silo) = SiloSettings.Bind(env);

        kustomization.Bases.Select(b => b.Directory).Should().Contain(d => Path.GetFileName(d) == "base");
        storage.Keys.Select(SiloSettings.KeyOf).Should().BeSubsetOf(SiloSettings.Keys);
        host.Storage.Kind.Should().Be("azure", "several pods share the store: the file store is for one host");
        new SiloHostOptionsValidator().Validate(null, host).Failures.Should().BeNullOrEmpty();
        new RunnelSiloOptionsValidator(PodEnvironment).Validate(null, silo).Failures.Should().BeNullOrEmpty();
    }

    /// <summary>What the Downward API gives a pod of the Deployment.</summary>
    private static string? PodEnvironment(string name) => name switch
    {
        Silo.RunnelSiloOptions.PodNameVariable => "runnel-silo-7d9f8-abcde",
        Silo.RunnelSiloOptions.PodNamespaceVariable => "runnel",
        "KUBERNETES_SERVICE_HOST" => "10.0.0.1",
        _ => null,
    };

    [Fact]
    public void AzureBlobVariant_UsesWorkloadIdentityNotSecrets()
    {
        var kustomization = Kustomization.Load(Path.Combine(K8s, "azure-blob"));
        var storage = kustomization.GeneratedConfig["runnel-storage"];

        storage.Should().ContainKeys("Runnel__Storage__BlobEndpoint", "Runnel__Storage__ManagedIdentityClientId").And.NotContainKey("Runnel__Storage__ConnectionString");
        kustomization.Patches.Should().Contain(p => p.Text("kind") == "Deployment"
            && p.Text("spec", "template", "metadata", "labels", "azure.workload.identity/use") == "true");
        kustomization.Patches.Should().Contain(p => p.Text("kind") == "ServiceAccount"
            && p.Get("metadata", "annotations").Find("azure.workload.identity/client-id") != null);
    }

    [Fact]
    public void InClusterVariant_RunsAzuriteTheSilosConnectionStringReaches()
    {
        var kustomization = Kustomization.Load(Path.Combine(K8s, "in-cluster"));
        var azurite = kustomization.Single("Service", "runnel-azurite");
        var port = azurite.Items("spec", "ports").Single().Int("port");
        var connectionString = kustomization.GeneratedConfig["runnel-storage"]["Runnel__Storage__ConnectionString"];

        connectionString.Should().Contain($"BlobEndpoint=http://runnel-azurite:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/devstoreaccount1");
        kustomization.Single("Deployment", "runnel-azurite").Should().NotBeNull();
    }

    /// <summary>The container's environment with plain values (not fieldRefs).</summary>
    private Dictionary<string, string?> LiteralEnvironment() =>
        Container.Items("env").Where(e => e.Find("value") is not null).ToDictionary(e => e.Text("name"), e => (string?)e.Text("value"));

    private static IEnumerable<KeyValuePair<string, string>> Labels(YamlNode node) =>
        ((YamlMappingNode)node).Children.Select(c => KeyValuePair.Create(c.Key.Text(), c.Value.Text()));

}
