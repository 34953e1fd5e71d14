using System.Text.Json;

namespace Runnel.Grains.Internal;

/// <summary>
/// The blob <c>producer-ids</c>: the first producer id no one has reserved. A producer-id grain reserves
/// <c>[NextId, NextId + blockSize)</c> by replacing it, If-Match on its ETag, with <c>NextId + blockSize</c>:
/// <code>
/// {"version":1,"nextId":3000}
/// </code>
/// </summary>
internal sealed record ProducerIdBlock(int Version, long NextId)
{
    public const int CurrentVersion = 1;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, GrainsJsonContext.Default.ProducerIdBlock);

    public static ProducerIdBlock FromJson(ReadOnlySpan<byte> json, string blobName)
    {
        try
        {
            var block = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.ProducerIdBlock) ?? throw new JsonException("null document");
            return block.Version == CurrentVersion && block.NextId >= 0
                ? block
                : throw new RunnelException(RunnelErrorCode.Unknown, $"Producer id blob '{blobName}' has version {block.Version} and next id {block.NextId}; this build reads version {CurrentVersion}.");
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.Unknown, $"Producer id blob '{blobName}' is not valid: {ex.Message}", ex);
        }
    }
}
