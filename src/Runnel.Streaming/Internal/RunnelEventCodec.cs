using Orleans.Providers.Streams.Common;
using System.Text;
using System.Text.Json;
using Orleans.Serialization;
using Runnel.Client;

namespace Runnel.Streaming.Internal;

/// <summary>Events to records and back, in the format <see cref="RunnelStreamHeaders"/> describes. Thread-safe.</summary>
internal sealed class RunnelEventCodec(Serializer<object> serializer, RunnelStreamPayloadFormat format)
{
    /// <summary>The record of one event of <paramref name="streamId"/>.</summary>
    /// <exception cref="ArgumentNullException">A null event: a stream event has a value.</exception>
    public Message<byte[], byte[]> Encode<T>(StreamId streamId, T evt)
    {
        object value = evt ?? throw new ArgumentNullException(nameof(evt), $"Stream {streamId}: a null event cannot be written.");
        var type = value.GetType();
        var headers = new Headers()
            .Add(RunnelStreamHeaders.Namespace, streamId.GetNamespace() ?? "")
            .Add(RunnelStreamHeaders.EventType, TypeName(type));
        byte[] payload;
        if (format == RunnelStreamPayloadFormat.Json)
        {
            headers.Add(RunnelStreamHeaders.Payload, RunnelStreamHeaders.JsonPayload);
            payload = JsonSerializer.SerializeToUtf8Bytes(value, type);
        }
        else
        {
            headers.Add(RunnelStreamHeaders.Payload, RunnelStreamHeaders.OrleansPayload);
            payload = serializer.SerializeToArray(value);
        }

        return new Message<byte[], byte[]> { Key = streamId.Key.ToArray(), Value = payload, Headers = headers };
    }

    /// <summary>The stream event a record holds, or null (with <paramref name="skipped"/> saying why) for a record
    /// that is not one: no key, no namespace to give it, or a payload that does not decode.</summary>
    public RunnelBatchContainer? Decode(ConsumeResult<byte[], byte[]> record, string? topicNamespace, out string? skipped)
    {
        skipped = null;
        var message = record.Message;
        if (message.Key is null)
        {
            skipped = "the record has no key (the stream key)";
            return null;
        }

        string? ns = topicNamespace;
        if (message.Headers?.TryGetLastValue(RunnelStreamHeaders.Namespace, out var nsBytes) == true && nsBytes is not null)
        {
            ns = Encoding.UTF8.GetString(nsBytes);
        }

        if (ns is null)
        {
            skipped = $"no {RunnelStreamHeaders.Namespace} header, and several namespaces share the topic";
            return null;
        }

        object? payload;
        try
        {
            payload = DecodePayload(message);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or CodecNotFoundException or TypeLoadException or FileNotFoundException)
        {
            skipped = $"its payload does not decode ({e.GetType().Name}: {e.Message})";
            return null;
        }

        var streamId = StreamId.Create(Encoding.UTF8.GetBytes(ns), message.Key);
        return new RunnelBatchContainer(streamId, new EventSequenceTokenV2(record.Offset), payload);
    }

    private object? DecodePayload(Message<byte[], byte[]> message)
    {
        var value = message.Value ?? [];
        string? kind = null;
        if (message.Headers?.TryGetLastValue(RunnelStreamHeaders.Payload, out var kindBytes) == true && kindBytes is not null)
        {
            kind = Encoding.UTF8.GetString(kindBytes);
        }

        switch (kind)
        {
            case null:
                return value;
            case RunnelStreamHeaders.OrleansPayload:
                return serializer.Deserialize(value);
            case RunnelStreamHeaders.JsonPayload:
                if (message.Headers!.TryGetLastValue(RunnelStreamHeaders.EventType, out var typeBytes) != true || typeBytes is null)
                {
                    throw new InvalidOperationException($"a json payload needs the {RunnelStreamHeaders.EventType} header");
                }

                var typeName = Encoding.UTF8.GetString(typeBytes);
                var type = Type.GetType(typeName, throwOnError: false) ?? throw new InvalidOperationException($"type '{typeName}' is not loaded");
                return JsonSerializer.Deserialize(value, type);
            default:
                throw new InvalidOperationException($"unknown {RunnelStreamHeaders.Payload} '{kind}'");
        }
    }

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
