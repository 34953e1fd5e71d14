namespace Runnel.Runtime.Placement;

/// <summary>
/// System grains (type names starting <c>sys.</c>) are not placed by hashing: the key names the silo that serves
/// them (a <see cref="SiloAddress"/> string), or is empty for "whichever silo receives the call". A silo refuses a
/// system call addressed to another silo id, so a probe of an old generation never reaches its successor.
/// </summary>
internal static class SystemTargets
{
    public const string Prefix = "sys.";

    public static bool IsSystem(string grainType) => grainType.StartsWith(Prefix, StringComparison.Ordinal);
}
