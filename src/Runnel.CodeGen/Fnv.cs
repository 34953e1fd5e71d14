using System.Text;

namespace Runnel.CodeGen;

/// <summary>FNV-1a, 32-bit: the method-id hash. Written out here because it must never change.</summary>
internal static class Fnv
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Hash32(string text)
    {
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
