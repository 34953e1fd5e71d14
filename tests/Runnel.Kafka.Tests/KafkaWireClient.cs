using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Tests;

/// <summary>A bare Kafka protocol client over one TCP connection, for sending exact (and broken) frames.</summary>
internal sealed class KafkaWireClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private int _correlation;

    private KafkaWireClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<KafkaWireClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new KafkaWireClient(tcp);
    }

    public delegate void WriteBody(ref KafkaWriter writer);

    public delegate T ReadBody<T>(ref KafkaReader reader);

    /// <summary>Sends one request and reads its answer's body (after the response header).</summary>
    public async Task<T> CallAsync<T>(ApiKey key, short version, WriteBody body, ReadBody<T> read)
    {
        var correlation = await SendAsync(key, version, body);
        var frame = await ReadFrameAsync() ?? throw new IOException("The broker closed the connection.");
        return Decode(frame, correlation, key != ApiKey.ApiVersions && ApiVersionTable.IsFlexible((short)key, version), read);
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions (CreateTopics v4) and
    /// asserts it was created.</summary>
    public async Task CreateTopicAsync(string topic, int partitions)
    {
        var created = await CallAsync(ApiKey.CreateTopics, 4, (ref KafkaWriter w) =>
        {
            var request = new CreateTopicsApi.Request();
            request.Topics.Add(new CreateTopicsApi.Topic(topic, partitions, 1, 0, []));
            request.Write(ref w, 4);
        }, (ref KafkaReader r) => CreateTopicsApi.Response.Read(ref r, 4));
        created.Topics.Single().ErrorCode.Should().Be(KafkaErrorCode.None, $"topic '{topic}' is created");
    }

    public async Task<int> SendAsync(ApiKey key, short version, WriteBody body)
    {
        var correlation = ++_correlation;
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(buffer);
        writer.WriteInt32(0);
        new RequestHeader((short)key, version, correlation, "wire-test").Write(ref writer, ApiVersionTable.IsFlexible((short)key, version));
        body(ref writer);
        var bytes = buffer.WrittenMemory.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        await SendRawAsync(bytes);
        return correlation;
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The next response frame (without its size), or null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix, timeout.Token))
        {
            return null;
        }

        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return await ReadExactlyAsync(frame, timeout.Token) ? frame : throw new IOException("The broker closed the connection inside a frame.");
    }

    /// <summary>True when the broker closes the connection (reads end) within the timeout, without sending anything.</summary>
    public async Task<bool> IsClosedByBrokerAsync()
    {
        try
        {
            return await ReadFrameAsync() is null;
        }
        catch (IOException)
        {
            return true; // reset by peer
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A response body from <paramref name="frame"/> (as <see cref="ReadFrameAsync"/> returns it), checking its correlation id.</summary>
    public static T Decode<T>(byte[] frame, int correlation, bool flexibleHeader, ReadBody<T> read)
    {
        var reader = new KafkaReader(frame);
        reader.ReadInt32().Should().Be(correlation);
        if (flexibleHeader)
        {
            reader.SkipTaggedFields();
        }

        var body = read(ref reader);
        reader.Remaining.Should().Be(0, "the response is read to its end");
        return body;
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return read == 0 ? false : throw new IOException("The broker closed the connection inside a frame.");
            }

            read += n;
        }

        return true;
    }
}
