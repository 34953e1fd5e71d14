using System.Text;
using Runnel.Storage.Internal;

namespace Runnel.Storage;

/// <summary>Listing: walks the directories under the prefix's complete segments, decodes names from the paths, and
/// reads the metadata of the page's blobs only.</summary>
public sealed partial class FileObjectStore
{
    /// <inheritdoc />
    /// <remarks>Cost: one directory walk of the subtree under the prefix's complete segments per page (subtrees
    /// wholly before the continuation token are skipped), plus one metadata read per listed blob. The continuation
    /// token is opaque (the last name listed); blobs created or deleted between pages show up or not by name order.</remarks>
    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (pageSize < 1)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid page size {pageSize} for a listing: it must be at least 1.");
        }

        if (prefix.Length > ObjectStoreLimits.MaxBlobNameLength)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid list prefix: it is {prefix.Length} characters long; the limit is {ObjectStoreLimits.MaxBlobNameLength}.");
        }

        pageSize = Math.Min(pageSize, ObjectStoreLimits.MaxListPageSize);
        var after = continuationToken is null ? null : DecodeToken(continuationToken);
        cancellationToken.ThrowIfCancellationRequested();

        try
        {
            // Descend the prefix's complete segments: only that subtree can hold matching names.
            var lastSlash = prefix.LastIndexOf('/');
            var fullSegments = lastSlash < 0 ? [] : prefix[..lastSlash].Split('/');
            if (fullSegments.Any(s => s.Length == 0))
            {
                return ValueTask.FromResult(new BlobListPage([], null, _time.GetUtcNow())); // no valid name has an empty segment
            }

            var start = BlobPaths.SegmentsDirectory(_blobsRoot, fullSegments);
            var namePrefix = lastSlash < 0 ? "" : prefix[..(lastSlash + 1)];
            var candidates = new List<(string Name, string Directory)>();
            Walk(start, namePrefix, "", prefix, after, candidates, cancellationToken);
            candidates.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

            var items = new List<BlobItem>(Math.Min(pageSize, candidates.Count));
            string? next = null;
            foreach (var (name, directory) in candidates)
            {
                if (items.Count == pageSize)
                {
                    next = EncodeToken(items[^1].Name);
                    break;
                }

                var meta = ReadMeta(directory, name);
                if (meta is not null)
                {
                    items.Add(new BlobItem(meta.Name, meta.Length, meta.ETag, meta.LastModified, meta.Kind, meta.IsSealed));
                }
            }

            return ValueTask.FromResult(new BlobListPage(items, next, _time.GetUtcNow()));
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable("", "list", ex, isWrite: false);
        }
    }

    /// <summary>Collects (name, blob directory) under <paramref name="directory"/>, whose names start with
    /// <paramref name="namePrefix"/> + the unescaped <paramref name="pendingPiece"/>; keeps those matching
    /// <paramref name="prefix"/> and ordered after <paramref name="after"/>.</summary>
    private static void Walk(string directory, string namePrefix, string pendingPiece, string prefix, string? after, List<(string, string)> found, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(directory);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            var file = Path.GetFileName(entry);
            if (file.Length < 3)
            {
                continue;
            }

            var stem = pendingPiece + file[..^2];
            switch (file[^2..])
            {
                case BlobPaths.PieceSuffix:
                    Walk(entry, namePrefix, stem, prefix, after, found, cancellationToken);
                    break;
                case BlobPaths.DirectorySuffix when BlobPaths.TryUnescape(stem, out var segment):
                {
                    var subtree = namePrefix + segment + "/";
                    if (CanHoldMatches(subtree, prefix, after))
                    {
                        Walk(entry, subtree, "", prefix, after, found, cancellationToken);
                    }

                    break;
                }

                case BlobPaths.BlobSuffix when BlobPaths.TryUnescape(stem, out var segment):
                {
                    var name = namePrefix + segment;
                    if (name.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(name, after) > 0))
                    {
                        found.Add((name, entry));
                    }

                    break;
                }

                default:
                    break;
            }
        }
    }

    /// <summary>Whether names starting with <paramref name="subtree"/> can match <paramref name="prefix"/> and sort
    /// after <paramref name="after"/>. If the subtree's own prefix sorts before <c>after</c> and is not a prefix of it,
    /// every name in the subtree does.</summary>
    private static bool CanHoldMatches(string subtree, string prefix, string? after)
    {
        var prefixCompatible = subtree.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(subtree, StringComparison.Ordinal);
        if (!prefixCompatible)
        {
            return false;
        }

        return after is null || after.StartsWith(subtree, StringComparison.Ordinal) || string.CompareOrdinal(subtree, after) > 0;
    }

    private static string EncodeToken(string lastName) => Convert.ToBase64String(Encoding.UTF8.GetBytes(lastName));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException ex)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid continuation token '{token}': it is not one this store returned.", ex);
        }
    }
}
