using System.Reflection;
using Microsoft.Extensions.Configuration;
using Runnel.Grains;
using Runnel.Testing;

namespace Runnel.Deploy.Tests;

/// <summary>
/// What the silo itself says about its settings, for comparing deployment files with: every configuration key it binds
/// (found by reflection over its options types, in the sections <see cref="Silo.SiloHost"/> binds them from) and its
/// defaults (the options as <c>Silo/appsettings.json</c> binds them, as the silo does).
/// </summary>
internal static class SiloSettings
{
    private static readonly (string Section, Type Type)[] Sections =
    [
        ("Runnel", typeof(Silo.SiloHostOptions)),
        ("Runnel:Silo", typeof(Silo.RunnelSiloOptions)),
        ("Runnel:Grains", typeof(RunnelGrainsOptions)),
    ];

    private static readonly Lazy<HashSet<string>> KeysLazy = new(() =>
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in Sections)
        {
            AddKeys(keys, section, type);
        }

        return keys;
    });

    /// <summary>Every bindable key, e.g. <c>Runnel:Storage:BlobEndpoint</c>, <c>Runnel:Silo:Port</c>.</summary>
    public static IReadOnlySet<string> Keys => KeysLazy.Value;

    /// <summary>The host options with the shipped appsettings.json applied.</summary>
    public static Silo.SiloHostOptions DefaultHost() => Bind(new Dictionary<string, string?>()).Host;

    /// <summary>The silo's own options with the shipped appsettings.json applied.</summary>
    public static Silo.RunnelSiloOptions DefaultSilo() => Bind(new Dictionary<string, string?>()).Silo;

    /// <summary>The gateway port (clients) a silo listens on when nothing overrides it.</summary>
    public static int DefaultPort => DefaultSilo().Port;

    /// <summary>The silo-to-silo port a silo listens on when nothing overrides it.</summary>
    public static int DefaultSiloPort => DefaultSilo().EffectiveSiloPort;

    /// <summary>The HTTP port (health, metrics) a silo listens on when nothing overrides it.</summary>
    public static int DefaultHttpPort => DefaultHost().HttpPort;

    /// <summary>How long the silo's host waits on SIGTERM before it gives up: the orchestrator's grace period must
    /// cover it.</summary>
    public static TimeSpan HostShutdownTimeout => DefaultSilo().ShutdownTimeout + Silo.SiloHost.ShutdownSlack;

    /// <summary>The configuration key an environment variable sets (<c>Runnel__Silo__Port</c> → <c>Runnel:Silo:Port</c>).</summary>
    public static string KeyOf(string environmentName) => environmentName.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>appsettings.json, then <paramref name="environment"/> (variable names as in a manifest), bound as the
    /// silo binds them.</summary>
    public static (Silo.SiloHostOptions Host, Silo.RunnelSiloOptions Silo) Bind(IReadOnlyDictionary<string, string?> environment)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoPaths.Root, "Silo", "appsettings.json"), optional: false)
            .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(KeyOf(e.Key), e.Value)))
            .Build();
        var host = new Silo.SiloHostOptions();
        var silo = new Silo.RunnelSiloOptions();
        configuration.GetSection("Runnel").Bind(host);
        configuration.GetSection("Runnel:Silo").Bind(silo);
        return (host, silo);
    }

    private static void AddKeys(HashSet<string> keys, string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsClass && propertyType != typeof(string) && propertyType.Namespace?.StartsWith("Runnel", StringComparison.Ordinal) == true)
            {
                AddKeys(keys, key, propertyType); // a nested section, e.g. Runnel:Storage
            }
            else
            {
                keys.Add(key);
            }
        }
    }
}
