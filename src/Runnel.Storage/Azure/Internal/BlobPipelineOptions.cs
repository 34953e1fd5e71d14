using Azure.Core;

namespace Runnel.Storage.Azure.Internal;

/// <summary>The <see cref="ClientOptions"/> the store's <see cref="global::Azure.Core.Pipeline.HttpPipeline"/> is built from.</summary>
internal sealed class BlobPipelineOptions : ClientOptions
{
}
