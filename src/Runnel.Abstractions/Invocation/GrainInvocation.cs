using System.Diagnostics.CodeAnalysis;
using Runnel.Serialization;

namespace Runnel.Invocation;

/// <summary>Helpers the generated proxies and invokers call. Not meant for hand-written code.</summary>
public static class GrainInvocation
{
    /// <summary>Writes a grain method's result once it completes: synchronously when it already has.</summary>
    public static ValueTask WriteResult<T>(ValueTask<T> task, IWireCodec<T> codec, WireWriter result)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (task.IsCompletedSuccessfully)
        {
            codec.Write(result, task.Result);
            return default;
        }

        return WriteResultSlowAsync(task, codec, result);
    }

    /// <summary>Turns a call's <see cref="NoResult"/> task into a plain <see cref="ValueTask"/>.</summary>
    public static ValueTask AsVoid(ValueTask<NoResult> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            _ = task.Result;
            return default;
        }

        return new ValueTask(task.AsTask());
    }

    /// <summary>Thrown by an invoker for a method id its interface does not have.</summary>
    [DoesNotReturn]
    public static void ThrowUnknownMethod(string grainType, uint methodId) =>
        throw new RunnelException(
            RunnelErrorCode.ProtocolMismatch,
            $"Grain type {grainType} has no method 0x{methodId:x8}: caller and silo were built from different interface versions.");

    private static async ValueTask WriteResultSlowAsync<T>(ValueTask<T> task, IWireCodec<T> codec, WireWriter result)
    {
        var value = await task.ConfigureAwait(false);
        codec.Write(result, value);
    }
}
