namespace Runnel.Log.Batches;

/// <summary>
/// A record header to append: a UTF-8 key (never null) and a value that may be null. The builder copies both
/// during <see cref="RecordBatchBuilder.TryAppend"/>; the caller keeps ownership of <see cref="Value"/>'s memory.
/// </summary>
/// <param name="Key">The header key, written as UTF-8.</param>
/// <param name="Value">The header value; null for a null value (length -1), distinct from an empty one.</param>
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte>? Value);
