namespace Runnel.Serialization;

/// <summary>
/// Asks the Runnel.CodeGen generator for a codec for this class, record or struct. Every member to carry
/// must have an <see cref="IdAttribute"/>; members without one are not serialized. The type needs either a
/// constructor whose parameters match the members by name (a positional record) or settable/init members.
/// </summary>
/// <remarks>
/// Versioning: fields are tagged with their id. A reader skips ids it does not know and leaves members it finds
/// no field for at their default, so adding a member with a new id is compatible both ways. Never reuse an id
/// or change a member's type.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class GenerateSerializerAttribute : Attribute;
