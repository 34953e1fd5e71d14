namespace Runnel.Cli;

/// <summary>A usage error found after parsing (a bad combination of options, a malformed value): exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
