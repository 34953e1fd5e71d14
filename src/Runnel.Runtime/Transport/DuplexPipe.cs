using System.IO.Pipelines;

namespace Runnel.Runtime.Transport;

/// <summary>A reader and a writer over one stream (the client's socket).</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
