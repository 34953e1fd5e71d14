using System.Net;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Runnel.Grains;
using Runnel.Kafka;
using Runnel.Silo.Dashboard;
using Orleans.Configuration;
using Runnel.Clustering.Hosting;
using Runnel.Storage;
using Runnel.Persistence;
using Runnel.Storage.AzureBlob;

namespace Runnel.Silo;

/// <summary>
/// Builds and runs the silo process: reads and validates every option up front (each error names its key and switch,
/// and the process exits with <see cref="ExitInvalidOptions"/>), opens the store, hosts the silo with the product grains,
/// serves <c>/healthz</c> (live) and <c>/readyz</c> (ready) over HTTP, and on SIGTERM/SIGINT stops gracefully: readiness
/// drops, every grain deactivates (partitions sealed and released), then the process exits 0.
/// </summary>
/// <remarks>Several silos can point at one data directory (the file store is safe across processes on one host); they
/// form one cluster: Orleans membership is kept in the same store (<see cref="RunnelClusteringSiloBuilderExtensions.UseRunnelClustering(ISiloBuilder, IObjectStore?, Action{Clustering.RunnelClusteringOptions}?)"/>).</remarks>
public static class SiloHost
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitInvalidOptions = 2;

    /// <summary>Grace beyond the silo's own shutdown timeout for the host to stop the HTTP server and flush logs.</summary>
    internal static readonly TimeSpan ShutdownSlack = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var errors = new List<string>();
        var switches = SiloCommandLine.Parse(args, errors, out var help, out var healthCheck);
        if (help)
        {
            await stdout.WriteLineAsync(SiloCommandLine.Usage).ConfigureAwait(false);
            return ExitOk;
        }

        if (errors.Count > 0)
        {
            return await FailAsync(stderr, errors).ConfigureAwait(false);
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(switches);
        if (healthCheck)
        {
            // Only the address and port matter; the rest of the options are the running silo's business.
            var listenAddress = builder.Configuration["Runnel:Silo:ListenAddress"] ?? new RunnelSiloOptions().ListenAddress;
            var httpPort = builder.Configuration.GetValue("Runnel:HttpPort", new SiloHostOptions().HttpPort);
            return await SiloHealthProbe.RunAsync(SiloHealthProbe.Target(listenAddress, httpPort), stdout, stderr).ConfigureAwait(false);
        }

        if (!TryReadOptions(builder.Configuration, errors, out var hostOptions, out var siloOptions))
        {
            return await FailAsync(stderr, errors).ConfigureAwait(false);
        }

        IObjectStore store;
        try
        {
            store = CreateStore(hostOptions.Storage);
        }
        catch (Exception ex) when (ex is RunnelException or IOException or UnauthorizedAccessException)
        {
            return await FailAsync(stderr, [$"Runnel:Storage: {ex.Message}"]).ConfigureAwait(false);
        }

        Configure(builder, hostOptions, siloOptions, store);
        await using var app = builder.Build();

        // The Azure SDK logs through its event sources; forward them to the silo's logging (category Azure.Core etc.).
        using var azureSdkLogs = store is AzureBlobObjectStore ? new AzureSdkLogForwarder(app.Services.GetRequiredService<ILoggerFactory>()) : null;
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint(SiloTelemetry.MetricsPath);
        app.MapRunnelDashboard();
        try
        {
            await app.RunAsync().ConfigureAwait(false);
            return ExitOk;
        }
        catch (OptionsValidationException ex)
        {
            return await FailAsync(stderr, ex.Failures).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Kestrel could not bind a port (in use, or not an address of this machine).
            await stderr.WriteLineAsync($"runnel-silo: {ex.Message}").ConfigureAwait(false);
            return ExitFailed;
        }
    }

    private static bool TryReadOptions(IConfiguration configuration, List<string> errors, out SiloHostOptions host, out RunnelSiloOptions silo)
    {
        host = new SiloHostOptions();
        silo = new RunnelSiloOptions();
        try
        {
            // Binding fails on a value of the wrong type, naming the key: "...value 'x' at 'Runnel:Silo:Port'...".
            configuration.GetSection("Runnel").Bind(host);
            configuration.GetSection("Runnel:Silo").Bind(silo);
            if (silo.AdvertisedAddress is { } advertised)
            {
                silo.AdvertisedAddress = AdvertisedAddress.Resolve(advertised, Environment.MachineName, Dns.GetHostAddresses, out var error);
                if (error is not null)
                {
                    errors.Add(error);
                    return false;
                }
            }

            var grains = new RunnelGrainsOptions();
            configuration.GetSection("Runnel:Grains").Bind(grains);
            var kafka = new KafkaListenerOptions();
            BindKafka(configuration, silo, kafka);
            Collect(errors, new SiloHostOptionsValidator().Validate(null, host));
            Collect(errors, new RunnelSiloOptionsValidator().Validate(null, silo));
            Collect(errors, new RunnelGrainsOptionsValidator().Validate(null, grains));
            Collect(errors, new KafkaListenerOptionsValidator().Validate(null, kafka));
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ex.Message);
        }

        return errors.Count == 0;
    }

    /// <summary>The Kafka listener's options: section <c>Runnel:Kafka</c>, listening on the silo's address, advertising
    /// the silo's advertised address and naming the silo's cluster unless they are set there.</summary>
    private static void BindKafka(IConfiguration configuration, RunnelSiloOptions silo, KafkaListenerOptions kafka)
    {
        ApplySiloDefaults(kafka, silo);
        configuration.GetSection("Runnel:Kafka").Bind(kafka);
    }

    /// <summary>The Kafka listener listens on the silo's address, advertises what peers reach the silo at (which reaches
    /// its Kafka port too) and names the silo's cluster, unless <c>Runnel:Kafka</c> says otherwise (bound after this).</summary>
    private static void ApplySiloDefaults(KafkaListenerOptions kafka, RunnelSiloOptions silo)
    {
        kafka.ListenAddress = silo.ListenAddress;
        kafka.ClusterId = silo.ClusterId;
        kafka.AdvertisedHost = silo.AdvertisedAddress;
    }

    private static void Collect(List<string> errors, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            errors.AddRange(result.Failures);
        }
    }

    private static IObjectStore CreateStore(StorageOptions storage) => storage.Kind switch
    {
        "file" => new FileObjectStore(Path.GetFullPath(storage.DataDirectory)),
        "azure" => new AzureBlobObjectStore(AzureStoreOptions(storage)),
        _ => throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Runnel:Storage:Kind must be 'file' or 'azure' (was '{storage.Kind}')."),
    };

    /// <summary>Grain storage <c>runnel</c> as <see cref="StorageOptions.GrainState"/> says (validated): null for the
    /// default, blobs in the silo's store.</summary>
    internal static Action<RunnelGrainStorageOptions>? GrainStorage(StorageOptions storage) =>
        storage.GrainState == "orleans-azure"
            ? o =>
            {
                o.Backend = RunnelGrainStorageBackend.AzureBlob;
                o.AzureBlobConnectionString = storage.ConnectionString;
                o.AzureBlobContainerName = storage.GrainStateContainerName;
            }
            : null;

    /// <summary>The Azure store's options from the silo's (validated: exactly one of connection string and endpoint).</summary>
    internal static AzureBlobObjectStoreOptions AzureStoreOptions(StorageOptions storage) =>
        string.IsNullOrWhiteSpace(storage.BlobEndpoint)
            ? new AzureBlobObjectStoreOptions { ConnectionString = storage.ConnectionString, ContainerName = storage.ContainerName }
            : new AzureBlobObjectStoreOptions
            {
                ServiceUri = new Uri(storage.BlobEndpoint),
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(storage.ManagedIdentityClientId) ? null : storage.ManagedIdentityClientId,
                ContainerName = storage.ContainerName,
            };

    private static void Configure(WebApplicationBuilder builder, SiloHostOptions hostOptions, RunnelSiloOptions siloOptions, IObjectStore store)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        services.Configure<SiloHostOptions>(configuration.GetSection("Runnel"));
        // The options as validated at start (the advertised address resolved once: peers get the IP address).
        services.AddSingleton(Options.Create(siloOptions));
        var siloName = siloOptions.EffectiveSiloName;
        services.Configure<RunnelGrainsOptions>(configuration.GetSection("Runnel:Grains"));
        services.AddSingleton<StorageInstruments>();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = siloOptions.ClusterId;
                o.ServiceId = RunnelCluster.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
            var listen = IPAddress.Parse(siloOptions.ListenAddress);
            var advertised = IPAddress.Parse(siloOptions.AdvertisedAddress ?? siloOptions.ListenAddress);
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = advertised;
                o.SiloPort = siloOptions.EffectiveSiloPort;
                o.GatewayPort = siloOptions.Port;
                o.SiloListeningEndpoint = new IPEndPoint(listen, siloOptions.EffectiveSiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(listen, siloOptions.Port);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = siloOptions.ResponseTimeout);
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = siloOptions.CollectionAge);
            if (siloOptions.Kubernetes)
            {
                // After the SiloOptions above: the pod's name wins (it is the same name, checked at start).
                silo.UseKubernetesHosting();
            }

            silo.UseRunnelClustering(store);
            silo.KillDeadSilosOnSameHost(store);
            silo.AddRunnel(sp => new InstrumentedObjectStore(store, sp.GetRequiredService<StorageInstruments>()), grainStorage: GrainStorage(hostOptions.Storage));
        });
        services.AddSiloTelemetry(configuration, siloName);

        // The dashboard's snapshots, shared with the consumer-lag sampler (its gauges are the silo's meter).
        services.AddSingleton<ClusterSnapshotSource>();
        services.AddSingleton<ConsumerLagInstruments>();
        services.AddHostedService<ConsumerLagSampler>();

        // After the silo: the Kafka listener starts once the silo serves and stops before its grains deactivate.
        services.AddRunnelKafka();
        services.AddOptions<KafkaListenerOptions>()
            .Configure(kafka => ApplySiloDefaults(kafka, siloOptions)) // Runnel:Kafka, bound next, wins
            .Bind(configuration.GetSection("Runnel:Kafka"));

        // Registered after the silo, so it starts after it (hosted services start in registration order).
        services.AddSingleton<SiloReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloReadiness>());
        services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: ["ready"]);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = siloOptions.ShutdownTimeout + ShutdownSlack);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(siloOptions.ListenAddress), hostOptions.HttpPort));
    }

    private static async Task<int> FailAsync(TextWriter stderr, IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            await stderr.WriteLineAsync($"runnel-silo: {error}").ConfigureAwait(false);
        }

        return ExitInvalidOptions;
    }
}
