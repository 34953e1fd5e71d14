namespace Runnel.Serialization;

/// <summary>The stable field id of a serialized member (see <see cref="GenerateSerializerAttribute"/>).
/// Ids are unique within a type, from 0 to 2^28 - 1.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = false)]
public sealed class IdAttribute : Attribute
{
    public IdAttribute(uint id)
    {
        Id = id;
    }

    public uint Id { get; }
}
