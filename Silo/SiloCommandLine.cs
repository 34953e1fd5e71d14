namespace Runnel.Silo;

/// <summary>
/// The silo's command-line switches, each a name for one configuration key (so the same setting can come from
/// appsettings.json or <c>Runnel__...</c> environment variables). <c>--switch value</c> and <c>--switch=value</c>.
/// </summary>
internal static class SiloCommandLine
{
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Runnel:Storage:DataDirectory",
        ["--storage"] = "Runnel:Storage:Kind",
        ["--connection-string"] = "Runnel:Storage:ConnectionString",
        ["--blob-endpoint"] = "Runnel:Storage:BlobEndpoint",
        ["--managed-identity-client-id"] = "Runnel:Storage:ManagedIdentityClientId",
        ["--container"] = "Runnel:Storage:ContainerName",
        ["--grain-state"] = "Runnel:Storage:GrainState",
        ["--port"] = "Runnel:Silo:Port",
        ["--silo-port"] = "Runnel:Silo:SiloPort",
        ["--listen-address"] = "Runnel:Silo:ListenAddress",
        ["--advertised-address"] = "Runnel:Silo:AdvertisedAddress",
        ["--cluster"] = "Runnel:Silo:ClusterId",
        ["--name"] = "Runnel:Silo:SiloName",
        ["--kubernetes"] = "Runnel:Silo:Kubernetes",
        ["--http-port"] = "Runnel:HttpPort",
        ["--kafka-port"] = "Runnel:Kafka:Port",
        ["--kafka-advertised-host"] = "Runnel:Kafka:AdvertisedHost",
    };

    public const string Usage = """
        runnel-silo: one Runnel silo.

          --data-dir <dir>            file store directory (default ./data)
          --storage file|azure        where blobs live (default file)
          --connection-string <cs>    Azure Storage connection string (with --storage azure)
          --blob-endpoint <url>       or the account's https blob endpoint, with Microsoft Entra ID
                                      (DefaultAzureCredential: managed identity, environment, az login)
          --managed-identity-client-id <guid>
                                      user-assigned managed identity to use with --blob-endpoint
          --container <name>          Azure container (default runnel)
          --grain-state store|orleans-azure
                                      where topic metadata, catalogs and producer ids live: blobs in the
                                      store (default), or Orleans' Azure blob grain storage (container
                                      grainstate; needs --storage azure --connection-string)
          --port <n>                  gateway port: where clients connect (default 7100)
          --silo-port <n>             port silos talk to each other on (default --port + 1000)
          --http-port <n>             /healthz and /readyz (default 7180)
          --kafka-port <n>            Kafka protocol port for Kafka clients, plaintext (default 9092; 0 = off)
          --kafka-advertised-host <h> host name Kafka clients are told to connect to (default: the listen address)
          --listen-address <ip>       address for all ports (default 127.0.0.1; 0.0.0.0 in the container image)
          --advertised-address <ip|host|{machine}>
                                      the address peers reach this silo at: an IP, or a host name resolved
                                      at start ({machine}: this machine's name, e.g. a container's own IP).
                                      Required when the listen address is 0.0.0.0 (default: the listen address)
          --cluster <id>              cluster id; clients must use the same (default dev)
          --name <name>               this silo's name (default {machine}-{port}; the pod's with --kubernetes)
          --kubernetes true|false     run as a Kubernetes pod: Orleans' Kubernetes hosting (silo named after
                                      the pod, rows of deleted pods removed); needs POD_NAME and POD_NAMESPACE
          --health-check              probe http://<listen address>:<http port>/healthz of a running silo with
                                      these settings and exit 0 when it answers 200 (a container HEALTHCHECK)

        Every setting can also come from appsettings.json or environment variables, e.g.
        Runnel__Storage__ConnectionString, Runnel__Silo__Port.
        """;

    /// <summary>Turns the arguments into configuration key/value pairs; <paramref name="errors"/> names each unknown
    /// switch or missing value. <paramref name="help"/> is set by <c>--help</c> / <c>-h</c>, <paramref name="healthCheck"/>
    /// by <c>--health-check</c>.</summary>
    public static Dictionary<string, string?> Parse(IReadOnlyList<string> args, List<string> errors, out bool help, out bool healthCheck)
    {
        help = false;
        healthCheck = false;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            if (arg == "--health-check")
            {
                healthCheck = true;
                continue;
            }

            var name = arg;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (!Switches.TryGetValue(name, out var key))
            {
                errors.Add($"Unknown option '{name}'. Run with --help for the list.");
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    errors.Add($"Option '{name}' needs a value.");
                    continue;
                }

                value = args[++i];
            }

            values[key] = value;
        }

        return values;
    }
}
