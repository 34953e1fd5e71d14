using System.Globalization;
using System.Net;
using Runnel.Silo;
using Runnel.Testing;

namespace Runnel.Deploy.Tests;

/// <summary>The silo's container image, checked without a build: the stages, the user, the health check and the ports
/// agree with the silo's own defaults and switches.</summary>
public sealed class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load(Path.Combine(RepoPaths.Root, "Dockerfile"));

    [Fact]
    public void Dockerfile_Stages_BuildWithTheSdkRunOnTheAspNetRuntime()
    {
        _dockerfile.Stages.Should().HaveCountGreaterThanOrEqualTo(2, "a multi-stage build keeps the SDK out of the image");
        var build = _dockerfile.Stages[0];
        build.Image.Should().StartWith("mcr.microsoft.com/dotnet/sdk:");
        build.Name.Should().NotBeNullOrEmpty();
        build.All("RUN").Should().Contain(r => r.Contains("dotnet publish Silo/Silo.csproj", StringComparison.Ordinal));

        var final = _dockerfile.Final;
        final.Image.Should().MatchRegex(@"^mcr\.microsoft\.com/dotnet/(aspnet|runtime-deps):", "the silo is an ASP.NET Core app");
        final.All("COPY").Should().Contain(c => c.StartsWith($"--from={build.Name} ", StringComparison.Ordinal));
        final.All("ENTRYPOINT").Should().ContainSingle().Which.Should().Contain("/app/runnel-silo");
    }

    [Fact]
    public void Dockerfile_User_IsNumericAndNotRoot()
    {
        var user = _dockerfile.Final.All("USER").Should().ContainSingle().Subject;
        var uid = user.Split(':')[0];

        int.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var id).Should().BeTrue("Kubernetes can verify runAsNonRoot only for a numeric user (was '{0}')", user);
        id.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Dockerfile_HealthCheck_ProbesHealthzThroughTheSilosOwnSwitch()
    {
        var check = _dockerfile.Final.All("HEALTHCHECK").Should().ContainSingle().Subject;
        var env = _dockerfile.Final.Environment();
        var (host, silo) = SiloSettings.Bind(env.ToDictionary(e => e.Key, e => (string?)e.Value));

        check.Should().Contain("CMD [\"/app/runnel-silo\", \"--health-check\"]");
        SiloCommandLine.Usage.Should().Contain("--health-check");
        SiloHealthProbe.Target(silo.ListenAddress, host.HttpPort).Should().Be(new Uri($"http://127.0.0.1:{SiloSettings.DefaultHttpPort}/healthz"));
    }

    [Fact]
    public void Dockerfile_ExposedPorts_AreTheSilosDefaultPorts()
    {
        var exposed = _dockerfile.Final.All("EXPOSE").SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p.Split('/')[0], CultureInfo.InvariantCulture));
        var (host, silo) = SiloSettings.Bind(_dockerfile.Final.Environment().ToDictionary(e => e.Key, e => (string?)e.Value));

        exposed.Should().BeEquivalentTo([SiloSettings.DefaultPort, SiloSettings.DefaultSiloPort, SiloSettings.DefaultHttpPort], "clients use the gateway port, silos the silo port");
        (silo.Port, silo.EffectiveSiloPort, host.HttpPort).Should().Be(
            (SiloSettings.DefaultPort, SiloSettings.DefaultSiloPort, SiloSettings.DefaultHttpPort), "the image's ENV must not move the ports away from EXPOSE");
    }

    [Fact]
    public void Dockerfile_Environment_NamesOnlySiloKeysAndMakesAValidContainerSilo()
    {
        var env = _dockerfile.Final.Environment();
        var runnel = env.Keys.Where(k => k.StartsWith("Runnel__", StringComparison.Ordinal)).ToList();
        var (host, silo) = SiloSettings.Bind(env.ToDictionary(e => e.Key, e => (string?)e.Value));
        silo.AdvertisedAddress = AdvertisedAddress.Resolve(silo.AdvertisedAddress!, "silo-7f9c", _ => [IPAddress.Parse("10.1.2.3")], out var error);

        runnel.Should().NotBeEmpty();
        runnel.Select(SiloSettings.KeyOf).Should().BeSubsetOf(SiloSettings.Keys);
        error.Should().BeNull();
        silo.ListenAddress.Should().Be("0.0.0.0", "a container is reached on its own interface, not loopback");
        silo.AdvertisedAddress.Should().Be("10.1.2.3");
        new RunnelSiloOptionsValidator().Validate(null, silo).Failures.Should().BeNullOrEmpty();
        new SiloHostOptionsValidator().Validate(null, host).Failures.Should().BeNullOrEmpty();
    }
}
