using System.Security.Cryptography;
using System.Text;

namespace Runnel.Persistence.Internal;

/// <summary>
/// Maps (storage name, grain type, grain key, state name) to one blob name that is valid on every
/// <see cref="Runnel.Storage.IObjectStore"/> (<see cref="Runnel.Storage.BlobNames"/>) and distinct for distinct inputs.
/// </summary>
/// <remarks>
/// <code>
///   {prefix}/{storage}/{grain type}/{grain key}/{state name}        e.g. grains/runnel/topic/orders_2F0/s
///
///   each component is escaped over its UTF-8 bytes:
///     A-Z a-z 0-9 '-'       kept
///     any other byte         '_' + 2 uppercase hex digits     ('/' -> _2F, '.' -> _2E, '_' -> _5F, 'ü' -> _C3_BC)
///     empty component        '_'                              (escaping never yields a lone '_')
///   a component longer than MaxComponentLength once escaped:
///     its first KeptPrefixLength escaped characters (never cutting an escape) + '~' + SHA-256 of the raw bytes (hex)
/// </code>
/// The escaped alphabet has no '/', '\', '.', '%' or control characters, so a component is one name segment, never
/// "." or "..", never ends in '.' (which Azure trims), and needs no URL escaping. Escaping is injective and
/// prefix-free; '~' appears only in hashed components, so a hashed component never equals an escaped one.
/// </remarks>
internal static class GrainStateBlobNames
{
    /// <summary>
    /// The longest escaped component kept whole. Four components of at most this length (or a hashed one: 64 + 1 + 64)
    /// plus a prefix of at most <see cref="RunnelGrainStorageOptions.MaxBlobPrefixLength"/> stay under Azure's
    /// 1,024-character blob name, and under the file store's 4,000-byte path once it escapes capitals and '_' (×3).
    /// </summary>
    public const int MaxComponentLength = 128;

    /// <summary>How much of a long component stays readable in front of its hash.</summary>
    private const int KeptPrefixLength = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The blob of one grain's state.</summary>
    /// <exception cref="ArgumentException">A name holds an unpaired UTF-16 surrogate (it has no UTF-8 form, so two
    /// such names could not be told apart).</exception>
    public static string BlobName(string prefix, string storageName, string stateName, Orleans.Runtime.GrainId grainId)
    {
        var builder = new StringBuilder(prefix.Length + 64);
        builder.Append(prefix).Append('/');
        AppendComponent(builder, StrictUtf8.GetBytes(storageName));
        builder.Append('/');
        AppendComponent(builder, grainId.Type.AsSpan());
        builder.Append('/');
        AppendComponent(builder, grainId.Key.AsSpan());
        builder.Append('/');
        AppendComponent(builder, StrictUtf8.GetBytes(stateName));
        return builder.ToString();
    }

    /// <summary>Escapes one component (see the type's remarks).</summary>
    public static string Component(ReadOnlySpan<byte> raw)
    {
        var builder = new StringBuilder(raw.Length + 8);
        AppendComponent(builder, raw);
        return builder.ToString();
    }

    private static void AppendComponent(StringBuilder builder, ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            builder.Append('_');
            return;
        }

        var start = builder.Length;
        foreach (var b in raw)
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('_').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        if (builder.Length - start <= MaxComponentLength)
        {
            return;
        }

        // Cut at KeptPrefixLength, backing off so no "_XX" escape is split.
        var keep = KeptPrefixLength;
        for (var back = 1; back <= 2; back++)
        {
            if (builder[start + keep - back] == '_')
            {
                keep -= back;
                break;
            }
        }

        builder.Length = start + keep;
        builder.Append('~').Append(Convert.ToHexStringLower(SHA256.HashData(raw)));
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
