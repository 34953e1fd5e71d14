namespace Runnel;

/// <summary>
/// A grain method threw an exception that is not a <see cref="RunnelException"/>. Carries the remote exception's
/// type name and message; the stack trace stays on the silo (in its log).
/// </summary>
public sealed class GrainCallFailedException : RunnelException
{
    public GrainCallFailedException(string remoteExceptionType, string message)
        : base(RunnelErrorCode.GrainCallFailed, message)
    {
        RemoteExceptionType = remoteExceptionType;
    }

    /// <summary>The full name of the exception type the grain threw, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteExceptionType { get; }
}
