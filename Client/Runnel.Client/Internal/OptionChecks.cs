namespace Runnel.Client.Internal;

internal static class OptionChecks
{
    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
