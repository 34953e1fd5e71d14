using System.Globalization;
using System.Text;

namespace Runnel.Storage.Internal;

/// <summary>
/// Maps blob names to directories under a file store's <c>blobs/</c> directory, and back, so that no two names
/// share a path and no name collides with the store's own files.
/// </summary>
/// <remarks>
/// <code>
///   name "topics/Orders/0/seg 1"
///   blobs/topics.d/_4frders.d/0.d/seg_201.b/      one directory per blob; inside it:
///                                          meta    committed metadata, two slots (Internal/MetaFile.cs)
///                                          d-...   data file named by the metadata (an append blob's
///                                                  begins with its state: Internal/AppendBlobHead.cs)
///   segment escaping:  a-z 0-9 '-'        kept
///                      other ASCII         '_' + 2 lowercase hex digits  ('A' -> _41, '.' -> _2e, '_' -> _5f)
///                      non-ASCII           kept (UTF-8 in the file name); a lone surrogate -> '~' + 4 hex digits
///   suffixes:          .d  a name segment followed by more segments (a "directory")
///                      .b  the last segment: the blob's own directory
///                      .p  a piece of a segment too long for one file name (pieces concatenate, then unescape)
/// </code>
/// '.' never survives escaping, so a suffix cannot be forged by a name, and "a" (a.b) and "a/b" (a.d/b.b) never
/// collide. ASCII capitals are escaped so that names differing in ASCII case stay apart on case-insensitive file
/// systems; non-ASCII is kept to keep paths under the OS limit (on a file system that folds non-ASCII case or
/// normalizes Unicode, names that differ only so would collide: Runnel's own names are ASCII).
/// </remarks>
internal static class BlobPaths
{
    public const string BlobSuffix = ".b";
    public const string DirectorySuffix = ".d";
    public const string PieceSuffix = ".p";

    /// <summary>Bytes of escaped text per file name, leaving room for a suffix under the usual 255-byte limit.</summary>
    private const int MaxPieceBytes = 240;

    /// <summary>Linux's PATH_MAX is 4,096 bytes; stay clear of it.</summary>
    private const int MaxPathBytes = 4000;

    /// <summary>The blob directory of <paramref name="name"/> (already validated) under <paramref name="blobsRoot"/>.</summary>
    public static string BlobDirectory(string blobsRoot, string name)
    {
        var builder = new StringBuilder(blobsRoot.Length + name.Length * 2);
        builder.Append(blobsRoot);
        var segments = name.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            AppendSegment(builder, segments[i], i == segments.Length - 1 ? BlobSuffix : DirectorySuffix);
        }

        var path = builder.ToString();
        var bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            throw new RunnelException(
                RunnelErrorCode.InvalidArgument,
                $"Invalid blob name '{name}': under '{blobsRoot}' it maps to a path of {bytes} bytes; the file store's limit is {MaxPathBytes}.");
        }

        return path;
    }

    /// <summary>The directory holding every blob whose name starts with <paramref name="segments"/> followed by '/'.</summary>
    public static string SegmentsDirectory(string blobsRoot, IReadOnlyList<string> segments)
    {
        var builder = new StringBuilder(blobsRoot);
        foreach (var segment in segments)
        {
            AppendSegment(builder, segment, DirectorySuffix);
        }

        return builder.ToString();
    }

    /// <summary>Escapes one name segment (without suffix).</summary>
    public static string Escape(string segment)
    {
        var builder = new StringBuilder(segment.Length + 8);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            {
                builder.Append(c);
            }
            else if (c < 0x80)
            {
                builder.Append('_').Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < segment.Length && char.IsLowSurrogate(segment[i + 1]))
            {
                builder.Append(c).Append(segment[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('~').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Reverses <see cref="Escape"/>; false for text no escape could have produced (a foreign file).</summary>
    public static bool TryUnescape(string escaped, out string segment)
    {
        var builder = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '_' || c == '~')
            {
                var digits = c == '_' ? 2 : 4;
                if (i + digits >= escaped.Length)
                {
                    segment = "";
                    return false;
                }

                if (!int.TryParse(escaped.AsSpan(i + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    segment = "";
                    return false;
                }

                builder.Append((char)code);
                i += digits;
            }
            else if (c < 0x80 && !(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                segment = "";
                return false;
            }
            else
            {
                builder.Append(c);
            }
        }

        segment = builder.ToString();
        return segment.Length > 0;
    }

    private static void AppendSegment(StringBuilder builder, string segment, string suffix)
    {
        var escaped = Escape(segment);
        var start = 0;
        var bytes = 0;
        for (var i = 0; i < escaped.Length; i++)
        {
            var width = char.IsHighSurrogate(escaped[i]) ? 4 : escaped[i] < 0x80 ? 1 : escaped[i] < 0x800 ? 2 : 3;
            if (bytes + width > MaxPieceBytes)
            {
                builder.Append(Path.DirectorySeparatorChar).Append(escaped, start, i - start).Append(PieceSuffix);
                start = i;
                bytes = 0;
            }

            bytes += width;
            if (char.IsHighSurrogate(escaped[i]))
            {
                i++;
            }
        }

        builder.Append(Path.DirectorySeparatorChar).Append(escaped, start, escaped.Length - start).Append(suffix);
    }
}
