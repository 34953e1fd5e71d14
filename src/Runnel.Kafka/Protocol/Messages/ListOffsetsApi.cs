namespace Runnel.Kafka.Protocol.Messages;

/// <summary>ListOffsets (key 2), v1–v6; flexible from v6. Timestamps: -1 = latest, -2 = earliest, else the first
/// offset whose record timestamp is at or after it. v7's -3 (the record with the largest timestamp) is not offered.</summary>
internal static class ListOffsetsApi
{
    public const short MinVersion = 1;
    public const short MaxVersion = 6;
    public const short FirstFlexibleVersion = 6;

    public const long LatestTimestamp = -1;
    public const long EarliestTimestamp = -2;

    internal sealed record PartitionRequest(int PartitionIndex, int CurrentLeaderEpoch, long Timestamp);

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions) : IKafkaTopic<PartitionRequest>;

    internal sealed class Request
    {
        public int ReplicaId { get; set; } = -1;

        public sbyte IsolationLevel { get; set; }

        public List<TopicRequest> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request { ReplicaId = reader.ReadInt32() };
            if (version >= 2)
            {
                request.IsolationLevel = reader.ReadInt8();
            }

            request.Topics.AddRange(reader.ReadTopicArray(
                version,
                compact,
                static (ref KafkaReader r, short v, bool _) => new PartitionRequest(r.ReadInt32(), v >= 4 ? r.ReadInt32() : -1, r.ReadInt64()),
                static (name, partitions) => new TopicRequest(name, partitions)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ReplicaId);
            if (version >= 2)
            {
                writer.WriteInt8(IsolationLevel);
            }

            writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, PartitionRequest partition, short v, bool _) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                if (v >= 4)
                {
                    w.WriteInt32(partition.CurrentLeaderEpoch);
                }

                w.WriteInt64(partition.Timestamp);
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record PartitionResponse(int PartitionIndex, KafkaErrorCode ErrorCode, long Timestamp, long Offset, int LeaderEpoch);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions) : IKafkaTopic<PartitionResponse>;

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<TopicResponse> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 2)
            {
                writer.WriteInt32(ThrottleTimeMs);
            }

            writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, PartitionResponse partition, short v, bool _) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                w.WriteInt16((short)partition.ErrorCode);
                w.WriteInt64(partition.Timestamp);
                w.WriteInt64(partition.Offset);
                if (v >= 4)
                {
                    w.WriteInt32(partition.LeaderEpoch);
                }
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response();
            if (version >= 2)
            {
                response.ThrottleTimeMs = reader.ReadInt32();
            }

            response.Topics.AddRange(reader.ReadTopicArray(
                version,
                compact,
                static (ref KafkaReader r, short v, bool _) => new PartitionResponse(r.ReadInt32(), (KafkaErrorCode)r.ReadInt16(), r.ReadInt64(), r.ReadInt64(), v >= 4 ? r.ReadInt32() : -1),
                static (name, partitions) => new TopicResponse(name, partitions)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
