namespace Runnel;

/// <summary>
/// The marker every grain interface derives from (usually through <see cref="IGrainWithStringKey"/>).
/// The build-time generator (<c>Runnel.CodeGen</c>) emits a proxy and an invoker for every interface that
/// derives from it, in the project that declares the interface.
/// </summary>
/// <remarks>
/// Rules for a grain interface: every method returns <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>;
/// an optional trailing <see cref="CancellationToken"/> is carried across the wire as a cancel frame; every other
/// parameter and the result must be serializable (see <see cref="Serialization.WireCodec{T}"/>). Violations are
/// build errors, not runtime surprises.
/// </remarks>
public interface IGrain;
