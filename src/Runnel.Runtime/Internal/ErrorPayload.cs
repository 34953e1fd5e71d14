using Runnel.Serialization;

namespace Runnel.Runtime.Internal;

/// <summary>
/// How an exception crosses the wire (the body of an error response, layout in
/// <see cref="Transport.FrameFormat"/>): a <see cref="RunnelException"/> keeps its code, message and flags; any other
/// exception becomes <see cref="RunnelErrorCode.GrainCallFailed"/> with its type name and message. A
/// <see cref="RunnelErrorCode.WrongOwner"/> error carries two more fields after the message: the refusing silo's view
/// version (fixed64) and the owner under that view (string, null when none).
/// </summary>
internal static class ErrorPayload
{
    public static void Write(WireWriter writer, Exception error)
    {
        if (error is RunnelException runnel)
        {
            writer.WriteVarUInt64((ulong)runnel.Code);
            var flags = (byte)((runnel.IsRetriable ? Transport.FrameFormat.ErrorFlagRetriable : 0) | (runnel.IsOutcomeUnknown ? Transport.FrameFormat.ErrorFlagOutcomeUnknown : 0));
            writer.WriteByte(flags);
        }
        else
        {
            writer.WriteVarUInt64((ulong)RunnelErrorCode.GrainCallFailed);
            writer.WriteByte(0);
        }

        writer.WriteString(error.GetType().FullName ?? error.GetType().Name);
        writer.WriteString(error.Message);
        if (error is WrongOwnerException wrongOwner)
        {
            writer.WriteFixed64((ulong)wrongOwner.ViewVersion);
            writer.WriteString(wrongOwner.Owner);
        }
    }

    public static RunnelException Read(ref WireReader reader)
    {
        var code = (RunnelErrorCode)reader.ReadVarUInt32();
        var flags = reader.ReadByte();
        var type = reader.ReadString() ?? "";
        var message = reader.ReadString() ?? "";
        if (code == RunnelErrorCode.WrongOwner)
        {
            var viewVersion = (long)reader.ReadFixed64();
            return new WrongOwnerException(viewVersion, reader.ReadString(), message);
        }

        return ToException(code, flags, type, message);
    }

    /// <summary>What a local caller sees: the same exception a remote caller would get.</summary>
    public static Exception ForLocalCaller(Exception error) => error switch
    {
        RunnelException => error,
        OperationCanceledException => error,
        _ => new GrainCallFailedException(error.GetType().FullName ?? error.GetType().Name, error.Message),
    };

    private static RunnelException ToException(RunnelErrorCode code, byte flags, string type, string message) =>
        code == RunnelErrorCode.GrainCallFailed
            ? new GrainCallFailedException(type, message)
            : new RunnelException(
                code,
                message,
                isRetriable: (flags & Transport.FrameFormat.ErrorFlagRetriable) != 0,
                isOutcomeUnknown: (flags & Transport.FrameFormat.ErrorFlagOutcomeUnknown) != 0);
}
