using Azure.Core;
using Azure.Core.Pipeline;

namespace Runnel.Storage.Azure.Internal;

/// <summary>
/// Reads a successful GET's body into one array of exactly <c>Content-Length</c> bytes, inside the retry loop
/// (so a body cut off mid-way is retried like any transient failure), and hands it on as a publicly visible
/// <see cref="MemoryStream"/>. Buffering through Azure.Core instead would grow a stream by doubling and copy
/// again at the end; a segment read is the big allocation of the log, so it gets one copy: socket to array.
/// Applies only to messages marked with <see cref="Mark"/> and sent with <c>BufferResponse = false</c>.
/// </summary>
internal sealed class ExactBodyPolicy : HttpPipelinePolicy
{
    public static readonly ExactBodyPolicy Instance = new();

    private const string Property = "runnel.exact-body";

    public static void Mark(HttpMessage message)
    {
        message.BufferResponse = false;
        message.SetProperty(Property, true);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        if (ShouldRead(message, out var length))
        {
            var buffer = GC.AllocateUninitializedArray<byte>(length);
            using (var stream = message.Response.ContentStream!)
            {
                stream.ReadExactly(buffer);
            }

            message.Response.ContentStream = new MemoryStream(buffer, 0, buffer.Length, writable: false, publiclyVisible: true);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (ShouldRead(message, out var length))
        {
            var buffer = GC.AllocateUninitializedArray<byte>(length);
            var stream = message.Response.ContentStream!;
            await using (stream.ConfigureAwait(false))
            {
                await stream.ReadExactlyAsync(buffer, message.CancellationToken).ConfigureAwait(false);
            }

            message.Response.ContentStream = new MemoryStream(buffer, 0, buffer.Length, writable: false, publiclyVisible: true);
        }
    }

    private static bool ShouldRead(HttpMessage message, out int length)
    {
        length = 0;
        if (!message.TryGetProperty(Property, out _) || message.Response.Status is not (200 or 206) || message.Response.ContentStream is null)
        {
            return false;
        }

        if (!message.Response.Headers.TryGetValue(BlobHeaders.ContentLength, out var text) || !long.TryParse(text, out var value) || value < 0)
        {
            throw new IOException("The blob service sent a body without a valid Content-Length.");
        }

        if (value > Array.MaxLength)
        {
            throw new IOException($"The body is {value} bytes; one read returns at most {Array.MaxLength}. Read the blob in ranges.");
        }

        length = (int)value;
        return true;
    }
}
