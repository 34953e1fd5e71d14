namespace Runnel.Log;

/// <summary>Where an acknowledged batch landed: its records hold offsets <see cref="BaseOffset"/> to
/// <see cref="LastOffset"/>, durably.</summary>
public readonly record struct LogAppendResult(long BaseOffset, long LastOffset);
