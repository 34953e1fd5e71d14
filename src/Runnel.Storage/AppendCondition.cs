namespace Runnel.Storage;

/// <summary>
/// Conditions checked atomically with an append: the blob's length must equal <see cref="AppendPosition"/>;
/// the blob must not grow past <see cref="MaxSize"/>; its ETag must equal <see cref="IfMatch"/>; a leased blob
/// demands <see cref="LeaseId"/>. Append position alone is not a fence (two owners can agree on a length):
/// a partition's fence is the seal of the previous epoch's segment.
/// </summary>
public readonly record struct AppendCondition(long? AppendPosition = null, long? MaxSize = null, ETag? IfMatch = null, string? LeaseId = null)
{
    public static AppendCondition None => default;

    public static AppendCondition AtPosition(long position) => new(AppendPosition: position);
}
