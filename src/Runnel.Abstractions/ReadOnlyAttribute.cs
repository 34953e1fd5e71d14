namespace Runnel;

/// <summary>
/// Marks a grain method that does not change the grain's state. Read-only calls to one activation may run at the
/// same time as each other (truly in parallel, on different threads), never at the same time as any other call,
/// timer tick or lifecycle step. A method marked read-only must only read state, and state it reads must be safe
/// to read from several threads at once (no lazy initialisation, no caches filled on read).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReadOnlyAttribute : Attribute;
