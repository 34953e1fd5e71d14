namespace Runnel.Serialization;

/// <summary>The "result" of a grain method that returns a plain <see cref="ValueTask"/>: writes and reads nothing.</summary>
public readonly record struct NoResult;
