namespace Runnel.Storage;

/// <summary>The two kinds of blob Runnel uses.</summary>
public enum BlobKind
{
    /// <summary>Written whole by <see cref="IObjectStore.PutAsync"/>; replaced atomically.</summary>
    Block = 0,

    /// <summary>Created empty and grown by <see cref="IObjectStore.AppendBlockAsync"/>; can be sealed.</summary>
    Append = 1,
}
