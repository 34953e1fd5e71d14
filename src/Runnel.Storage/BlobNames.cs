namespace Runnel.Storage;

/// <summary>Validation of blob names, shared by every <see cref="IObjectStore"/> so they reject the same names.</summary>
public static class BlobNames
{
    /// <summary>Throws <see cref="RunnelException"/> with <see cref="RunnelErrorCode.InvalidArgument"/> naming what is
    /// wrong when <paramref name="name"/> is not a valid blob name (see <see cref="IObjectStore"/>).</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid(name, "it is empty");
        }

        if (name.Length > ObjectStoreLimits.MaxBlobNameLength)
        {
            throw Invalid(name, $"it is {name.Length} characters long; the limit is {ObjectStoreLimits.MaxBlobNameLength}");
        }

        if (name[0] == '/')
        {
            throw Invalid(name, "it starts with '/'");
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw Invalid(name, "it has an empty segment ('//' or a trailing '/')");
            }

            if (segment is "." or "..")
            {
                throw Invalid(name, $"it has a '{segment}' segment");
            }
        }

        foreach (var c in name)
        {
            if (c == '\\')
            {
                // Azure turns '\' into '/' in blob names, so "a\b" and "a/b" would be one blob there and two elsewhere.
                throw Invalid(name, "it contains '\\' (Azure reads it as '/')");
            }

            if (char.IsControl(c))
            {
                throw Invalid(name, $"it contains the control character U+{(int)c:X4}");
            }
        }
    }

    private static RunnelException Invalid(string name, string why) =>
        new(RunnelErrorCode.InvalidArgument, $"Invalid blob name '{name}': {why}.");
}
