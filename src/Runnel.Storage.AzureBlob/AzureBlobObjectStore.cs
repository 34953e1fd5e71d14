using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage.Blobs;
using Runnel.Storage.AzureBlob.Internal;

namespace Runnel.Storage.AzureBlob;

/// <summary>
/// <see cref="IObjectStore"/> on Azure Blob Storage (or Azurite) through the Azure SDK (<c>Azure.Storage.Blobs</c>):
/// block blobs for whole-object writes, append blobs for segments, ETag and append-position conditions for fencing,
/// all blobs in one container that is created on first use.
/// </summary>
/// <remarks>
/// <para><b>Authentication.</b> A connection string (SharedKey: Azurite, dev), or the account's blob endpoint with a
/// Microsoft Entra ID token credential (<see cref="AzureBlobObjectStoreOptions"/>).</para>
/// <para><b>Cost.</b> Each call is one REST request (plus retries), except: the first call of a store also
/// creates the container (once per store); a ranged read that starts at or past the end costs an extra
/// properties request; renewing a lease this store did not acquire costs an extra properties request.</para>
/// <para><b>Retries.</b> The SDK retries, with the bounds of <see cref="AzureBlobObjectStoreOptions.MaxRetries"/>,
/// <see cref="AzureBlobObjectStoreOptions.RetryDelay"/> and <see cref="AzureBlobObjectStoreOptions.MaxRetryDelay"/>
/// (exponential back-off with jitter), each try limited to <see cref="AzureBlobObjectStoreOptions.RequestTimeout"/>.
/// Throttling (429, 503) and requests that certainly never reached the store (connection refused, name resolution)
/// are retried for every operation. Other transient failures (5xx, timeouts, lost responses) are retried only for
/// idempotent operations: reads, listings, unconditional put and create, seal, lease acquire (a lease id is always
/// proposed, so a repeat is a renewal), renew and break. Append block, conditional put/create, delete and lease
/// release are not retried once the request may have been sent (<see cref="StoreRetryPolicy"/>): they fail with
/// <see cref="StorageUnavailableException"/> whose <c>IsOutcomeUnknown</c> is set, and the caller finds out what
/// happened (for an append: read the blob at the append position). Failed conditions (409, 412) are never retried.
/// When retries run out: <see cref="StorageThrottledException"/> for throttling, <see cref="StorageUnavailableException"/>
/// for the rest.</para>
/// <para><b>Diagnostics.</b> The SDK logs through Azure.Core's event sources; <see cref="AzureSdkLogForwarder"/> hands
/// them to an <c>ILoggerFactory</c>.</para>
/// <para><b>Cancellation.</b> A cancelled call throws <see cref="OperationCanceledException"/>; a cancelled
/// write may still have been applied.</para>
/// <para>Thread-safe; keep one instance per container and share it.</para>
/// </remarks>
public sealed partial class AzureBlobObjectStore : IObjectStore
{
    private readonly BlobContainerClient _container;
    private readonly ConcurrentDictionary<string, TimeSpan?> _leaseDurations = new(StringComparer.Ordinal);
    private Task? _containerReady;

    /// <summary>Builds a store from validated <paramref name="options"/>. Makes no request: the container is
    /// created by the first operation (and a token, if any, is asked for then).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidArgument"/> naming the bad option.</exception>
    public AzureBlobObjectStore(AzureBlobObjectStoreOptions options)
        : this(options, transport: null)
    {
    }

    /// <summary>For tests: the same, over <paramref name="transport"/> (e.g. one that injects faults).</summary>
    internal AzureBlobObjectStore(AzureBlobObjectStoreOptions options, HttpPipelineTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var clientOptions = CreateClientOptions(options, transport);
        BlobServiceClient service;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                service = new BlobServiceClient(options.ConnectionString, clientOptions);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // The SDK's message names what is missing and never echoes the key.
                throw AzureBlobObjectStoreOptions.Invalid(nameof(AzureBlobObjectStoreOptions.ConnectionString), $"is not a valid storage connection string: {ex.Message}");
            }
        }
        else
        {
            Credential = options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
            service = new BlobServiceClient(options.ServiceUri!, Credential, clientOptions);
        }

        _container = service.GetBlobContainerClient(options.ContainerName);
    }

    /// <summary>The container this store keeps its blobs in.</summary>
    public string ContainerName => _container.Name;

    /// <summary>The container's URI (for tests and diagnostics: which endpoint the store talks to).</summary>
    internal Uri ContainerUri => _container.Uri;

    /// <summary>The token credential the store authenticates with; null for a connection string (for tests: which
    /// credential was built).</summary>
    internal TokenCredential? Credential { get; }

    /// <summary>
    /// The SDK client's options: the service version is the SDK's default; retries are ours
    /// (<see cref="StoreRetryPolicy"/>: bounded, and never blind for appends); the per-try network timeout is
    /// <see cref="AzureBlobObjectStoreOptions.RequestTimeout"/>; distributed tracing is off (the log makes thousands of
    /// requests a second; a span each costs more than it tells), logging goes to Azure.Core's event source without
    /// bodies.
    /// </summary>
    private static BlobClientOptions CreateClientOptions(AzureBlobObjectStoreOptions options, HttpPipelineTransport? transport)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        clientOptions.RetryPolicy = new StoreRetryPolicy(options.MaxRetries, DelayStrategy.CreateExponentialDelayStrategy(options.RetryDelay, options.MaxRetryDelay));
        clientOptions.Diagnostics.ApplicationId = "runnel";
        clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
        clientOptions.Diagnostics.IsLoggingContentEnabled = false;
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        return clientOptions;
    }
}
