using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

using Request = Azure.Core.Request;

namespace Runnel.Storage.Tests;

/// <summary>A transport that sends nothing: it records each request's headers and answers with whatever
/// <c>respond</c> makes of it. For what Azurite cannot show (bearer tokens need https; 50,000 blocks take too long).</summary>
internal sealed class CannedTransport(Func<Request, Response> respond) : HttpPipelineTransport
{
    private readonly List<Dictionary<string, string>> _requests = [];

    /// <summary>The headers of every request seen, in order.</summary>
    public IReadOnlyList<Dictionary<string, string>> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public override Request CreateRequest() => HttpClientTransport.Shared.CreateRequest();

    public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message)
    {
        var headers = message.Request.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
        headers["(uri)"] = message.Request.Uri.ToUri().AbsoluteUri;
        lock (_requests)
        {
            _requests.Add(headers);
        }

        message.Response = respond(message.Request);
        return ValueTask.CompletedTask;
    }
}
