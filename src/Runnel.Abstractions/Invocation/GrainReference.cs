namespace Runnel.Invocation;

/// <summary>
/// The base of every generated proxy: a grain id plus the invoker that carries its calls. Immutable and
/// thread-safe; two references are equal when their grain ids are.
/// </summary>
public abstract class GrainReference : IEquatable<GrainReference>
{
    protected GrainReference(GrainId grainId, IGrainCallInvoker invoker)
    {
        GrainId = grainId;
        Invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));
    }

    /// <summary>The grain this reference calls.</summary>
    public GrainId GrainId { get; }

    /// <summary>The invoker that sends this reference's calls.</summary>
    protected IGrainCallInvoker Invoker { get; }

    public bool Equals(GrainReference? other) => other is not null && other.GrainId == GrainId;

    public override bool Equals(object? obj) => Equals(obj as GrainReference);

    public override int GetHashCode() => GrainId.GetHashCode();

    public override string ToString() => GrainId.ToString();
}
