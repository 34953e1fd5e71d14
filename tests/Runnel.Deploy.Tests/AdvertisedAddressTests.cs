using System.Net;
using System.Net.Sockets;
using Runnel.Silo;

namespace Runnel.Deploy.Tests;

/// <summary>The advertised address a container silo gets from <c>Runnel__Silo__AdvertisedAddress</c>.</summary>
public sealed class AdvertisedAddressTests
{
    private static readonly IPAddress[] ReplicaAddresses = [IPAddress.Parse("fd00::5"), IPAddress.Loopback, IPAddress.Parse("10.0.0.7")];

    [Fact]
    public void Resolve_IpAddress_IsKeptWithoutLookup()
    {
        var address = AdvertisedAddress.Resolve("10.1.2.3", "host", _ => throw new InvalidOperationException("no lookup"), out var error);

        address.Should().Be("10.1.2.3");
        error.Should().BeNull();
    }

    [Fact]
    public void Resolve_MachineToken_LooksUpTheMachineNameAndPrefersNonLoopbackIPv4()
    {
        string? asked = null;
        var address = AdvertisedAddress.Resolve("{machine}", "silo-7f9c", name => { asked = name; return ReplicaAddresses; }, out var error);

        asked.Should().Be("silo-7f9c");
        address.Should().Be("10.0.0.7");
        error.Should().BeNull();
    }

    [Fact]
    public void Resolve_HostWithOnlyLoopback_AdvertisesLoopback()
    {
        AdvertisedAddress.Resolve("localhost", "m", _ => [IPAddress.Loopback], out _).Should().Be("127.0.0.1");
    }

    [Fact]
    public void Resolve_UnknownHost_FailsNamingTheField()
    {
        var address = AdvertisedAddress.Resolve("nowhere.invalid", "m", _ => throw new SocketException((int)SocketError.HostNotFound), out var error);

        address.Should().BeNull();
        error.Should().Contain("Runnel:Silo:AdvertisedAddress (--advertised-address)").And.Contain("nowhere.invalid").And.Contain("HostNotFound");
    }

    [Theory]
    [InlineData("not a host")]
    [InlineData("http://x")]
    public void Resolve_NeitherIpNorHostName_FailsNamingTheField(string value)
    {
        AdvertisedAddress.Resolve(value, "m", _ => [], out var error).Should().BeNull();
        error.Should().StartWith("Runnel:Silo:AdvertisedAddress (--advertised-address) must be an IP address, a host name or {machine}");
    }

    [Fact]
    public void Resolve_HostWithoutAddresses_Fails()
    {
        AdvertisedAddress.Resolve("empty.example", "m", _ => [], out var error).Should().BeNull();
        error.Should().Contain("has no address");
    }

    [Theory]
    [InlineData("0.0.0.0", 7180, "http://127.0.0.1:7180/healthz")]
    [InlineData("::", 7180, "http://[::1]:7180/healthz")]
    [InlineData("10.0.0.7", 9000, "http://10.0.0.7:9000/healthz")]
    public void HealthProbeTarget_WildcardListen_ProbesLoopback(string listen, int port, string expected)
    {
        SiloHealthProbe.Target(listen, port).Should().Be(new Uri(expected));
    }
}
