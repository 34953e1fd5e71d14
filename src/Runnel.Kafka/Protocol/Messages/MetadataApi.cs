namespace Runnel.Kafka.Protocol.Messages;

/// <summary>Metadata (key 3), v1–v12; flexible from v9. Topic ids (v10+) are each topic's stable id (the KIP-848
/// consumer protocol names partitions by them); a topic may be asked for by id alone (null name), which is answered
/// with its name, or UNKNOWN_TOPIC_ID. Fetch stays at v12 (by name), so clients keep addressing partitions by name
/// there.</summary>
internal static class MetadataApi
{
    public const short MinVersion = 1;
    public const short MaxVersion = 12;
    public const short FirstFlexibleVersion = 9;

    internal sealed class Request
    {
        /// <summary>The topics asked for by name; null = every topic.</summary>
        public List<string>? Topics { get; set; }

        /// <summary>The topics asked for by id alone (v10+, null name).</summary>
        public List<Guid> TopicIds { get; } = [];

        public bool AllowAutoTopicCreation { get; set; } = true;

        public bool IncludeClusterAuthorizedOperations { get; set; }

        public bool IncludeTopicAuthorizedOperations { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var count = reader.ReadArrayLength(compact);
            if (count >= 0)
            {
                request.Topics = new List<string>(count);
                for (var i = 0; i < count; i++)
                {
                    var id = version >= 10 ? reader.ReadUuid() : Guid.Empty;
                    var name = reader.ReadNullableString(compact);
                    if (name is not null)
                    {
                        request.Topics.Add(name);
                    }
                    else if (id != Guid.Empty)
                    {
                        request.TopicIds.Add(id);
                    }
                    else
                    {
                        throw new KafkaProtocolException("A Metadata topic has neither a name nor an id.");
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
                }
            }

            if (version >= 4)
            {
                request.AllowAutoTopicCreation = reader.ReadBool();
            }

            if (version is >= 8 and <= 10)
            {
                request.IncludeClusterAuthorizedOperations = reader.ReadBool();
            }

            if (version >= 8)
            {
                request.IncludeTopicAuthorizedOperations = reader.ReadBool();
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
            writer.WriteArrayLength(Topics is null && TopicIds.Count == 0 ? -1 : (Topics?.Count ?? 0) + TopicIds.Count, compact);
            foreach (var topic in Topics ?? [])
            {
                if (version >= 10)
                {
                    writer.WriteUuid(Guid.Empty);
                }

                writer.WriteString(topic, compact);
                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            foreach (var id in TopicIds)
            {
                writer.WriteUuid(id);
                writer.WriteNullableString(null, compact);
                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (version >= 4)
            {
                writer.WriteBool(AllowAutoTopicCreation);
            }

            if (version is >= 8 and <= 10)
            {
                writer.WriteBool(IncludeClusterAuthorizedOperations);
            }

            if (version >= 8)
            {
                writer.WriteBool(IncludeTopicAuthorizedOperations);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record Broker(int NodeId, string Host, int Port, string? Rack);

    internal sealed record Partition(KafkaErrorCode ErrorCode, int PartitionIndex, int LeaderId, int LeaderEpoch, int[] ReplicaNodes, int[] IsrNodes);

    /// <summary>One topic; <paramref name="Name"/> is null only for an unknown id asked by id (v12).</summary>
    internal sealed record Topic(KafkaErrorCode ErrorCode, string? Name, bool IsInternal, IReadOnlyList<Partition> Partitions)
    {
        /// <summary>The topic's id (v10+); zero when it has none (an error).</summary>
        public Guid TopicId { get; init; }
    }

    internal sealed class Response
    {
        /// <summary>Kafka's "authorized operations not requested" marker.</summary>
        public const int OperationsNotRequested = int.MinValue;

        public int ThrottleTimeMs { get; set; }

        public List<Broker> Brokers { get; } = [];

        public string? ClusterId { get; set; }

        public int ControllerId { get; set; } = -1;

        public List<Topic> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 3)
            {
                writer.WriteInt32(ThrottleTimeMs);
            }

            writer.WriteArrayLength(Brokers.Count, compact);
            foreach (var broker in Brokers)
            {
                writer.WriteInt32(broker.NodeId);
                writer.WriteString(broker.Host, compact);
                writer.WriteInt32(broker.Port);
                writer.WriteNullableString(broker.Rack, compact);
                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (version >= 2)
            {
                writer.WriteNullableString(ClusterId, compact);
            }

            writer.WriteInt32(ControllerId);
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteInt16((short)topic.ErrorCode);
                if (version >= 12)
                {
                    writer.WriteNullableString(topic.Name, compact);
                }
                else
                {
                    writer.WriteString(topic.Name ?? "", compact);
                }

                if (version >= 10)
                {
                    writer.WriteUuid(topic.TopicId);
                }

                writer.WriteBool(topic.IsInternal);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt16((short)partition.ErrorCode);
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt32(partition.LeaderId);
                    if (version >= 7)
                    {
                        writer.WriteInt32(partition.LeaderEpoch);
                    }

                    WriteInt32Array(ref writer, partition.ReplicaNodes, compact);
                    WriteInt32Array(ref writer, partition.IsrNodes, compact);
                    if (version >= 5)
                    {
                        WriteInt32Array(ref writer, [], compact);
                    }

                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                if (version >= 8)
                {
                    writer.WriteInt32(OperationsNotRequested);
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (version is >= 8 and <= 10)
            {
                writer.WriteInt32(OperationsNotRequested);
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
            if (version >= 3)
            {
                response.ThrottleTimeMs = reader.ReadInt32();
            }

            var brokers = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < brokers; i++)
            {
                response.Brokers.Add(new Broker(reader.ReadInt32(), reader.ReadString(compact), reader.ReadInt32(), reader.ReadNullableString(compact)));
                if (compact)
                {
                    reader.SkipTaggedFields();
                }
            }

            if (version >= 2)
            {
                response.ClusterId = reader.ReadNullableString(compact);
            }

            response.ControllerId = reader.ReadInt32();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < topics; i++)
            {
                var error = (KafkaErrorCode)reader.ReadInt16();
                var name = version >= 12 ? reader.ReadNullableString(compact) : reader.ReadString(compact);
                var topicId = version >= 10 ? reader.ReadUuid() : Guid.Empty;

                var isInternal = reader.ReadBool();
                var partitionCount = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<Partition>(partitionCount);
                for (var p = 0; p < partitionCount; p++)
                {
                    var partitionError = (KafkaErrorCode)reader.ReadInt16();
                    var index = reader.ReadInt32();
                    var leader = reader.ReadInt32();
                    var epoch = version >= 7 ? reader.ReadInt32() : -1;
                    var replicas = ReadInt32Array(ref reader, compact);
                    var isr = ReadInt32Array(ref reader, compact);
                    if (version >= 5)
                    {
                        ReadInt32Array(ref reader, compact);
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new Partition(partitionError, index, leader, epoch, replicas, isr));
                }

                if (version >= 8)
                {
                    reader.ReadInt32();
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new Topic(error, name, isInternal, partitions) { TopicId = topicId });
            }

            if (version is >= 8 and <= 10)
            {
                reader.ReadInt32();
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }

        private static void WriteInt32Array(ref KafkaWriter writer, int[] values, bool compact)
        {
            writer.WriteArrayLength(values.Length, compact);
            foreach (var value in values)
            {
                writer.WriteInt32(value);
            }
        }

        private static int[] ReadInt32Array(ref KafkaReader reader, bool compact)
        {
            var count = reader.ReadNonNullArrayLength(compact);
            var values = new int[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = reader.ReadInt32();
            }

            return values;
        }
    }
}
