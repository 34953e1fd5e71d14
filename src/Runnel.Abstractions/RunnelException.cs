namespace Runnel;

/// <summary>
/// The root of Runnel's exception tree. Every error Runnel raises on purpose derives from it and carries a
/// <see cref="RunnelErrorCode"/> a caller can switch on, plus two facts a caller needs to act:
/// whether trying again can succeed (<see cref="IsRetriable"/>) and whether the failed operation may
/// nonetheless have taken effect (<see cref="IsOutcomeUnknown"/>).
/// </summary>
[GenerateSerializer, Alias("runnel.RunnelException")]
public class RunnelException : Exception
{
    public RunnelException(RunnelErrorCode code, string message, Exception? innerException = null, bool isRetriable = false, bool isOutcomeUnknown = false)
        : base(message, innerException)
    {
        Code = code;
        IsRetriable = isRetriable;
        IsOutcomeUnknown = isOutcomeUnknown;
    }

    /// <summary>What went wrong, as a stable code.</summary>
    [Id(0)]
    public RunnelErrorCode Code { get; }

    /// <summary>True when the same operation, tried again (possibly elsewhere, after a back-off), can succeed.</summary>
    [Id(1)]
    public bool IsRetriable { get; }

    /// <summary>True when the operation may have taken effect although the caller saw it fail
    /// (a lost response, a timeout after sending). Only idempotent operations are safe to retry then.</summary>
    [Id(2)]
    public bool IsOutcomeUnknown { get; }
}
