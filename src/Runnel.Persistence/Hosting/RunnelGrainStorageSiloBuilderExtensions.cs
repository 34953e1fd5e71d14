using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Runnel.Storage;

namespace Runnel.Persistence.Hosting;

/// <summary>
/// Silo-side registration of Runnel grain storage: grain state (<c>IPersistentState&lt;T&gt;</c>, <c>Grain&lt;T&gt;</c>) in
/// Runnel's <see cref="IObjectStore"/> (<see cref="ObjectStoreGrainStorage"/>), or, with
/// <see cref="RunnelGrainStorageBackend.AzureBlob"/>, in Orleans' own Azure blob provider.
/// </summary>
/// <example>
/// <code>
/// silo.AddRunnelGrainStorage("runnel");                       // the IObjectStore registered in the silo's services
/// silo.AddRunnelGrainStorage("runnel", o =>                   // Azure deployments that prefer Orleans' provider
/// {
///     o.Backend = RunnelGrainStorageBackend.AzureBlob;
///     o.AzureBlobConnectionString = configuration["Runnel:GrainStorage:ConnectionString"];
/// });
/// </code>
/// </example>
public static class RunnelGrainStorageSiloBuilderExtensions
{
    /// <summary>
    /// Registers grain storage <paramref name="name"/> where <see cref="RunnelGrainStorageOptions.Backend"/> says: by
    /// default one blob per grain state in the <see cref="IObjectStore"/> registered in the silo's services.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid (checked here, and again when the silo starts).</exception>
    public static ISiloBuilder AddRunnelGrainStorage(this ISiloBuilder builder, string name, Action<RunnelGrainStorageOptions>? configure = null) =>
        AddRunnelGrainStorage(builder, name, store: null, configure);

    /// <summary>As <see cref="AddRunnelGrainStorage(ISiloBuilder, string, Action{RunnelGrainStorageOptions}?)"/>, keeping state
    /// in <paramref name="store"/> rather than the store registered in the services.</summary>
    public static ISiloBuilder AddRunnelGrainStorage(this ISiloBuilder builder, string name, IObjectStore? store, Action<RunnelGrainStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = AddOptions(builder.Services, name, configure);

        if (options.Backend == RunnelGrainStorageBackend.AzureBlob)
        {
            builder.AddAzureBlobGrainStorage(name, azure =>
            {
                azure.BlobServiceClient = new BlobServiceClient(options.AzureBlobConnectionString);
                azure.ContainerName = options.AzureBlobContainerName;
                azure.DeleteStateOnClear = options.DeleteStateOnClear;
                if (options.GrainStorageSerializer is not null)
                {
                    azure.GrainStorageSerializer = options.GrainStorageSerializer;
                }
            });
            return builder;
        }

        builder.Services.AddGrainStorage(name, (services, key) => new ObjectStoreGrainStorage(
            key,
            services.GetRequiredService<IOptionsMonitor<RunnelGrainStorageOptions>>().Get(key),
            store ?? services.GetRequiredService<IObjectStore>(),
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<ILogger<ObjectStoreGrainStorage>>()));
        return builder;
    }

    /// <summary>As <see cref="AddRunnelGrainStorage(ISiloBuilder, string, Action{RunnelGrainStorageOptions}?)"/> under Orleans'
    /// default storage name (<see cref="ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME"/>), used by grains that name no storage.</summary>
    public static ISiloBuilder AddRunnelGrainStorageAsDefault(this ISiloBuilder builder, Action<RunnelGrainStorageOptions>? configure = null) =>
        AddRunnelGrainStorage(builder, ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, store: null, configure);

    /// <summary>As <see cref="AddRunnelGrainStorageAsDefault(ISiloBuilder, Action{RunnelGrainStorageOptions}?)"/>, keeping state
    /// in <paramref name="store"/>.</summary>
    public static ISiloBuilder AddRunnelGrainStorageAsDefault(this ISiloBuilder builder, IObjectStore? store, Action<RunnelGrainStorageOptions>? configure = null) =>
        AddRunnelGrainStorage(builder, ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, store, configure);

    /// <summary>
    /// Registers the named options (configured by <paramref name="configure"/>, serializer defaulted as Orleans' providers
    /// do, validated on start) and returns the values <paramref name="configure"/> gives now, validated, for the choices
    /// made at registration (the backend and its settings).
    /// </summary>
    private static RunnelGrainStorageOptions AddOptions(IServiceCollection services, string name, Action<RunnelGrainStorageOptions>? configure)
    {
        var optionsBuilder = services.AddOptions<RunnelGrainStorageOptions>(name);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunnelGrainStorageOptions>, RunnelGrainStorageOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IPostConfigureOptions<RunnelGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<RunnelGrainStorageOptions>>());

        var now = new RunnelGrainStorageOptions();
        configure?.Invoke(now);
        var result = new RunnelGrainStorageOptionsValidator().Validate(name, now);
        if (result.Failed)
        {
            throw new OptionsValidationException(name, typeof(RunnelGrainStorageOptions), result.Failures);
        }

        return now;
    }
}
