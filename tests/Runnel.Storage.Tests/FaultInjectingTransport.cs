using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

using Request = Azure.Core.Request;

namespace Runnel.Storage.Tests;

/// <summary>What <see cref="FaultInjectingTransport"/> does to a request instead of (or after) sending it.</summary>
internal enum Fault
{
    /// <summary>Fail as a refused connection does: nothing reached the store.</summary>
    RefuseConnection,

    /// <summary>Send the request for real (the store applies it), then fail as a dropped connection does.</summary>
    LoseResponse,

    /// <summary>Answer 503 ServerBusy without sending.</summary>
    Throttle,

    /// <summary>Answer 500 InternalError without sending.</summary>
    InternalError,

    /// <summary>Never answer (until the per-try timeout cancels the request).</summary>
    Hang,
}

/// <summary>
/// A transport over the real one (to Azurite) that records every request and injects scripted faults into the
/// ones that match, the way Azure.Core's <see cref="HttpClientTransport"/> would report them.
/// </summary>
internal sealed class FaultInjectingTransport(HttpPipelineTransport inner) : HttpPipelineTransport
{
    private readonly List<string> _requests = [];
    private readonly List<Rule> _rules = [];

    /// <summary>"METHOD path?query" of every request seen, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_rules)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> requests whose
    /// "METHOD path?query" contains <paramref name="match"/>.</summary>
    public void Inject(string match, Fault fault, int times = 1)
    {
        lock (_rules)
        {
            _rules.Add(new Rule(match, fault, times));
        }
    }

    public int Count(string match) => Requests.Count(r => r.Contains(match, StringComparison.Ordinal));

    public override Request CreateRequest() => inner.CreateRequest();

    public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message)
    {
        var line = $"{message.Request.Method} {message.Request.Uri.ToUri().PathAndQuery}";
        Fault? fault = null;
        lock (_rules)
        {
            _requests.Add(line);
            var rule = _rules.FirstOrDefault(r => r.Remaining > 0 && line.Contains(r.Match, StringComparison.Ordinal));
            if (rule is not null)
            {
                rule.Remaining--;
                fault = rule.Fault;
            }
        }

        switch (fault)
        {
            case null:
                await inner.ProcessAsync(message);
                break;
            case Fault.RefuseConnection:
                throw new RequestFailedException(
                    "Connection refused (injected)",
                    new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (injected)", new SocketException((int)SocketError.ConnectionRefused)));
            case Fault.LoseResponse:
                await inner.ProcessAsync(message);
                message.Response.Dispose();
                throw new RequestFailedException(
                    "The response ended prematurely (injected)",
                    new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely (injected)"));
            case Fault.Throttle:
                message.Response = new CannedResponse(503, "ServerBusy");
                break;
            case Fault.InternalError:
                message.Response = new CannedResponse(500, "InternalError");
                break;
            case Fault.Hang:
                await Task.Delay(Timeout.Infinite, message.CancellationToken);
                break;
        }
    }

    private sealed class Rule(string match, Fault fault, int remaining)
    {
        public string Match { get; } = match;

        public Fault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;
    }
}

/// <summary>A response made up by a test: a status, an <c>x-ms-error-code</c>, a Date, no body.</summary>
internal sealed class CannedResponse : Response
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);

    public CannedResponse(int status, string? errorCode, IDictionary<string, string>? headers = null)
    {
        Status = status;
        _headers["Date"] = DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        if (errorCode is not null)
        {
            _headers["x-ms-error-code"] = errorCode;
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            _headers[name] = value;
        }
    }

    public override int Status { get; }

    public override string ReasonPhrase => Status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override Stream? ContentStream { get; set; } = new MemoryStream();

    public override string ClientRequestId { get; set; } = "";

    public override void Dispose()
    {
    }

    protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = _headers.TryGetValue(name, out var value);
        values = found ? [value!] : null;
        return found;
    }
}
