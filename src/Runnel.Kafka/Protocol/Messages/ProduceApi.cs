using System.Buffers;

namespace Runnel.Kafka.Protocol.Messages;

/// <summary>Produce (key 0), v3–v10 (RecordBatch v2 only); flexible from v9. v10 adds only tagged fields (new-leader
/// hints), which this broker never sends.</summary>
internal static class ProduceApi
{
    public const short MinVersion = 3;
    public const short MaxVersion = 10;
    public const short FirstFlexibleVersion = 9;

    internal sealed record PartitionData(int Index, ReadOnlySequence<byte>? Records);

    internal sealed record TopicData(string Name, IReadOnlyList<PartitionData> Partitions);

    internal sealed class Request
    {
        public string? TransactionalId { get; set; }

        /// <summary>0: no response; 1: leader acknowledgement; -1: all in-sync replicas (for Runnel both mean durable in the store).</summary>
        public short Acks { get; set; } = -1;

        public int TimeoutMs { get; set; } = 30_000;

        public List<TopicData> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                TransactionalId = reader.ReadNullableString(compact),
                Acks = reader.ReadInt16(),
                TimeoutMs = reader.ReadInt32(),
            };
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionData>(count);
                for (var p = 0; p < count; p++)
                {
                    partitions.Add(new PartitionData(reader.ReadInt32(), reader.ReadNullableBytes(compact)));
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new TopicData(name, partitions));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteNullableString(TransactionalId, compact);
            writer.WriteInt16(Acks);
            writer.WriteInt32(TimeoutMs);
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.Index);
                    var records = partition.Records is { } r ? r.ToArray() : [];
                    writer.WriteNullableBytes(records, partition.Records is null, compact);
                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record PartitionResponse(int Index, KafkaErrorCode ErrorCode, long BaseOffset, long LogAppendTimeMs, long LogStartOffset, string? ErrorMessage);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions);

    internal sealed class Response
    {
        public List<TopicResponse> Topics { get; } = [];

        public int ThrottleTimeMs { get; set; }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.Index);
                    writer.WriteInt16((short)partition.ErrorCode);
                    writer.WriteInt64(partition.BaseOffset);
                    writer.WriteInt64(partition.LogAppendTimeMs);
                    if (version >= 5)
                    {
                        writer.WriteInt64(partition.LogStartOffset);
                    }

                    if (version >= 8)
                    {
                        writer.WriteArrayLength(0, compact);
                        writer.WriteNullableString(partition.ErrorMessage, compact);
                    }

                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            writer.WriteInt32(ThrottleTimeMs);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionResponse>(count);
                for (var p = 0; p < count; p++)
                {
                    var index = reader.ReadInt32();
                    var error = (KafkaErrorCode)reader.ReadInt16();
                    var baseOffset = reader.ReadInt64();
                    var appendTime = reader.ReadInt64();
                    var logStart = version >= 5 ? reader.ReadInt64() : -1;
                    string? message = null;
                    if (version >= 8)
                    {
                        var recordErrors = reader.ReadNonNullArrayLength(compact);
                        for (var e = 0; e < recordErrors; e++)
                        {
                            reader.ReadInt32();
                            reader.ReadNullableString(compact);
                            if (compact)
                            {
                                reader.SkipTaggedFields();
                            }
                        }

                        message = reader.ReadNullableString(compact);
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionResponse(index, error, baseOffset, appendTime, logStart, message));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new TopicResponse(name, partitions));
            }

            response.ThrottleTimeMs = reader.ReadInt32();
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
