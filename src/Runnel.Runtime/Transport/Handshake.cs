using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Runnel.Serialization;

namespace Runnel.Runtime.Transport;

/// <summary>The preamble a connecting side sends (see <see cref="FrameFormat"/>).</summary>
internal readonly record struct Preamble(ushort Version, byte Role, string ClusterId, string Sender);

/// <summary>The silo's answer to a <see cref="Preamble"/>.</summary>
/// <summary>The silo's answer: <see cref="Status"/> is <see cref="FrameFormat.ReplyAccepted"/>,
/// <see cref="FrameFormat.ReplyRejected"/> (a mismatch: trying again cannot help) or <see cref="FrameFormat.ReplyUnavailable"/>
/// (the silo is not taking callers now: joining or stopping; try again, or elsewhere).</summary>
internal readonly record struct PreambleReply(ushort Version, byte Status, string Reason, string Silo)
{
    public bool Accepted => Status == FrameFormat.ReplyAccepted;
}

/// <summary>Writes and reads the preamble and its reply (layout in <see cref="FrameFormat"/>).</summary>
internal static class Handshake
{
    public static async ValueTask WritePreambleAsync(PipeWriter output, Preamble preamble, CancellationToken cancellationToken)
    {
        using var writer = Begin(preamble.Version);
        writer.WriteByte(preamble.Role);
        writer.WriteString(preamble.ClusterId);
        writer.WriteString(preamble.Sender);
        await SendAsync(output, writer, cancellationToken).ConfigureAwait(false);
    }

    public static async ValueTask WriteReplyAsync(PipeWriter output, PreambleReply reply, CancellationToken cancellationToken)
    {
        using var writer = Begin(reply.Version);
        writer.WriteByte(reply.Status);
        writer.WriteString(reply.Reason);
        writer.WriteString(reply.Silo);
        await SendAsync(output, writer, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="FrameException">Not a Runnel preamble (bad length, magic or fields), or the peer closed.</exception>
    public static async ValueTask<Preamble> ReadPreambleAsync(PipeReader input, CancellationToken cancellationToken)
    {
        var bytes = await ReadPrefixedAsync(input, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, static (ref WireReader r, ushort version) =>
            new Preamble(version, r.ReadByte(), r.ReadString() ?? throw new FrameException("null cluster id"), r.ReadString() ?? throw new FrameException("null sender")));
    }

    /// <exception cref="FrameException">Not a Runnel reply, or the peer closed.</exception>
    /// <summary>What <paramref name="input"/> already read past the preamble or its reply (consumed; empty when
    /// nothing). Each side reads frames straight off the socket afterwards, and the peer speaks only after the reply, so
    /// anything here came out of turn.</summary>
    public static byte[] TakeLeftover(PipeReader input)
    {
        if (!input.TryRead(out var rest))
        {
            return [];
        }

        var bytes = rest.Buffer.ToArray();
        input.AdvanceTo(rest.Buffer.End);
        return bytes;
    }

    public static async ValueTask<PreambleReply> ReadReplyAsync(PipeReader input, CancellationToken cancellationToken)
    {
        var bytes = await ReadPrefixedAsync(input, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, static (ref WireReader r, ushort version) =>
            new PreambleReply(version, r.ReadByte(), r.ReadString() ?? "", r.ReadString() ?? ""));
    }

    private delegate T FieldsReader<T>(ref WireReader reader, ushort version);

    private static WireWriter Begin(ushort version)
    {
        var writer = new WireWriter(128);
        writer.ReserveFixed32();
        writer.WriteRaw(FrameFormat.Magic);
        writer.WriteByte((byte)version);
        writer.WriteByte((byte)(version >> 8));
        return writer;
    }

    private static async ValueTask SendAsync(PipeWriter output, WireWriter writer, CancellationToken cancellationToken)
    {
        var length = writer.WrittenCount - FrameFormat.LengthBytes;
        if (length > FrameFormat.MaxPreambleBytes)
        {
            throw new ArgumentException($"The preamble is {length} bytes; at most {FrameFormat.MaxPreambleBytes} are allowed (shorten the cluster id or name).");
        }

        writer.PatchFixed32(0, (uint)length);
        await output.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private static T Parse<T>(byte[] bytes, FieldsReader<T> fields)
    {
        try
        {
            var reader = new WireReader(bytes);
            if (!reader.ReadRawSpan(FrameFormat.Magic.Length).SequenceEqual(FrameFormat.Magic))
            {
                throw new FrameException("bad preamble magic (not a Runnel peer)");
            }

            var version = BinaryPrimitives.ReadUInt16LittleEndian(reader.ReadRawSpan(2));
            var value = fields(ref reader, version);
            return value;
        }
        catch (RunnelException ex) when (ex.Code == RunnelErrorCode.MalformedMessage)
        {
            throw new FrameException("malformed preamble: " + ex.Message);
        }
    }

    private static uint ReadLength(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[FrameFormat.LengthBytes];
        buffer.Slice(0, FrameFormat.LengthBytes).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32LittleEndian(prefix);
    }

    private static async ValueTask<byte[]> ReadPrefixedAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= FrameFormat.LengthBytes)
            {
                var length = ReadLength(buffer);
                if (length < FrameFormat.Magic.Length + 2 || length > FrameFormat.MaxPreambleBytes)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    throw new FrameException($"preamble length {length} outside [6, {FrameFormat.MaxPreambleBytes}]");
                }

                if (buffer.Length >= FrameFormat.LengthBytes + length)
                {
                    var bytes = buffer.Slice(FrameFormat.LengthBytes, length).ToArray();
                    input.AdvanceTo(buffer.GetPosition(FrameFormat.LengthBytes + length));
                    return bytes;
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                throw new FrameException("the peer closed the connection during the preamble", isPeerClosed: true);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
