using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

/// <summary>
/// <see cref="IObjectStore"/> on Azure Blob Storage (or Azurite), speaking the Blob REST API through Azure.Core's
/// <see cref="HttpPipeline"/>: block blobs for whole-object writes, append blobs for segments, ETag and
/// append-position conditions for fencing, all blobs in one container that is created on first use.
/// </summary>
/// <remarks>
/// <para><b>Cost.</b> Each call is one REST request (plus retries), except: the first call of a store also
/// creates the container (once per store); a ranged read that starts at or past the end costs an extra
/// properties request; renewing a lease this store did not acquire costs an extra properties request.</para>
/// <para><b>Retries.</b> Throttling (429, 503) and requests that certainly never reached the store (connection
/// refused, name resolution) are retried for every operation. Other transient failures (5xx, timeouts, lost
/// responses) are retried only for idempotent operations: reads, listings, unconditional put and create,
/// seal, lease acquire (a lease id is always proposed, so a repeat is a renewal), renew and break.
/// Append block, conditional put/create, delete and lease release are not retried once the request may have
/// been sent: they fail with <see cref="StorageUnavailableException"/> whose <c>IsOutcomeUnknown</c> is set,
/// and the caller finds out what happened (for an append: read the blob's length). Failed conditions (409, 412)
/// are never retried. When retries run out: <see cref="StorageThrottledException"/> for throttling,
/// <see cref="StorageUnavailableException"/> for the rest. Back-off is exponential with jitter
/// (<see cref="AzureBlobObjectStoreOptions.RetryDelay"/>, <see cref="AzureBlobObjectStoreOptions.MaxRetries"/>).</para>
/// <para><b>Cancellation.</b> A cancelled call throws <see cref="OperationCanceledException"/>; a cancelled
/// write may still have been applied.</para>
/// <para>Thread-safe; keep one instance per container and share it.</para>
/// </remarks>
public sealed partial class AzureBlobObjectStore : IObjectStore
{
    private const string TokenScope = "https://storage.azure.com/.default";

    private readonly HttpPipeline _pipeline;
    private readonly string _containerUri;
    private readonly ConcurrentDictionary<string, TimeSpan?> _leaseDurations = new(StringComparer.Ordinal);
    private Task? _containerReady;

    /// <summary>Builds a store from validated <paramref name="options"/>. Makes no request: the container is
    /// created by the first operation.</summary>
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

        HttpPipelinePolicy authentication;
        Uri endpoint;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var parsed = AzureStorageConnectionString.Parse(options.ConnectionString);
            endpoint = parsed.BlobEndpoint;
            authentication = new SharedKeyPolicy(parsed.AccountName, parsed.AccountKey);
        }
        else
        {
            endpoint = options.ServiceUri!;
            authentication = new BearerTokenAuthenticationPolicy(options.Credential!, TokenScope);
        }

        var pipelineOptions = new BlobPipelineOptions();
        pipelineOptions.Retry.Mode = RetryMode.Exponential;
        pipelineOptions.Retry.MaxRetries = options.MaxRetries;
        pipelineOptions.Retry.Delay = options.RetryDelay;
        pipelineOptions.Retry.MaxDelay = options.MaxRetryDelay;
        pipelineOptions.Retry.NetworkTimeout = options.RequestTimeout;
        pipelineOptions.Diagnostics.ApplicationId = "runnel";
        pipelineOptions.Diagnostics.IsDistributedTracingEnabled = false;
        if (transport is not null)
        {
            pipelineOptions.Transport = transport;
        }

        _pipeline = HttpPipelineBuilder.Build(
            pipelineOptions,
            perCallPolicies: [],
            perRetryPolicies: [authentication, ExactBodyPolicy.Instance],
            BlobResponseClassifier.Idempotent);
        _containerUri = endpoint.AbsoluteUri.TrimEnd('/') + "/" + options.ContainerName;
        ContainerName = options.ContainerName;
    }

    /// <summary>The container this store keeps its blobs in.</summary>
    public string ContainerName { get; }
}
