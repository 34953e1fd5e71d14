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

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions);

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

            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionRequest>(count);
                for (var p = 0; p < count; p++)
                {
                    var index = reader.ReadInt32();
                    var epoch = version >= 4 ? reader.ReadInt32() : -1;
                    var timestamp = reader.ReadInt64();
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionRequest(index, epoch, timestamp));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new TopicRequest(name, partitions));
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
            writer.WriteInt32(ReplicaId);
            if (version >= 2)
            {
                writer.WriteInt8(IsolationLevel);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    if (version >= 4)
                    {
                        writer.WriteInt32(partition.CurrentLeaderEpoch);
                    }

                    writer.WriteInt64(partition.Timestamp);
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

    internal sealed record PartitionResponse(int PartitionIndex, KafkaErrorCode ErrorCode, long Timestamp, long Offset, int LeaderEpoch);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions);

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

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt16((short)partition.ErrorCode);
                    writer.WriteInt64(partition.Timestamp);
                    writer.WriteInt64(partition.Offset);
                    if (version >= 4)
                    {
                        writer.WriteInt32(partition.LeaderEpoch);
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
                    var timestamp = reader.ReadInt64();
                    var offset = reader.ReadInt64();
                    var epoch = version >= 4 ? reader.ReadInt32() : -1;
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionResponse(index, error, timestamp, offset, epoch));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new TopicResponse(name, partitions));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
