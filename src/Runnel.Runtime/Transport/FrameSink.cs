using System.Buffers;
using System.IO.Pipelines;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Where a connection's write loop puts its frames: a batch of frames is written to <see cref="Writer"/>, then
/// <see cref="FlushAsync"/> sends it. The frames' buffers are released only after the flush, so a sink may send
/// from them.
/// </summary>
internal abstract class FrameSink
{
    public abstract IBufferWriter<byte> Writer { get; }

    /// <summary>True when the batch written since the last flush is large enough to send before taking more frames.</summary>
    public abstract bool IsFull { get; }

    /// <summary>Sends what was written; false when the peer or the transport has gone (the loop ends).</summary>
    public abstract ValueTask<bool> FlushAsync(CancellationToken cancellationToken);

    /// <summary>Ends the output (after the last flush, or when the connection closes).</summary>
    public abstract ValueTask CompleteAsync();

    /// <summary>Frames are copied into the transport's pipe, which sends them.</summary>
    public sealed class Pipe(PipeWriter output) : FrameSink
    {
        public override IBufferWriter<byte> Writer => output;

        public override bool IsFull => false;

        public override async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
        {
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return !flush.IsCompleted && !flush.IsCanceled;
        }

        public override ValueTask CompleteAsync() => output.CompleteAsync();
    }
}
