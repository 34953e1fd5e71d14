namespace Runnel;

/// <summary>
/// Gives a grain interface a stable, short grain type name (the <see cref="GrainId.Type"/> on the wire).
/// Without it the interface's full name is used, so renaming or moving the interface changes its grain type.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute : Attribute
{
    public GrainTypeAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The grain type name, e.g. <c>runnel.partition</c>.</summary>
    public string Name { get; }
}
