namespace Runnel.Runtime;

/// <summary>
/// What a silo does when it must stop at once because continuing would be unsafe: it read itself Dead (its peers
/// declared it dead, or a newer generation replaced it) or found itself missing from a newer view. Register your own
/// in the host's services to replace the default, which calls <see cref="Environment.FailFast(string)"/> (as Orleans
/// does: a silo the cluster considers dead must not keep acknowledging work).
/// </summary>
/// <remarks>Called at most once per silo, from a membership thread; the silo has already stopped accepting calls.
/// Implementations must not block for long.</remarks>
public interface IFatalErrorHandler
{
    /// <summary>The silo must stop. <paramref name="reason"/> says why, for logs.</summary>
    void OnFatalError(SiloAddress silo, string reason);
}
