namespace Runnel.Storage;

/// <summary>The id of the running OS boot (<c>/proc/sys/kernel/random/boot_id</c>, Linux), read once. The file store
/// writes it into an append blob's slots (two slots with the same boot id were written without an OS crash or reboot in
/// between, so the page cache still held everything written before them); the runtime compares it to tell whether a
/// process runs on this host since this boot.</summary>
public static class HostBootId
{
    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>The current boot's id; null where the OS does not publish one.</summary>
    public static Guid? Current { get; } = Read();

    private static Guid? Read()
    {
        try
        {
            return Guid.TryParse(File.ReadAllText(BootIdPath).Trim(), out var id) ? id : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
