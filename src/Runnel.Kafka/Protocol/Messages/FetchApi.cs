using System.Buffers;

namespace Runnel.Kafka.Protocol.Messages;

/// <summary>Fetch (key 1), v4–v12; flexible from v12. v13+ address topics by id, which Runnel does not have yet.
/// Fetch sessions (KIP-227) are not kept: every response has session id 0, which tells the client to send full
/// requests (a session id it did not get is never needed).</summary>
internal static class FetchApi
{
    public const short MinVersion = 4;
    public const short MaxVersion = 12;
    public const short FirstFlexibleVersion = 12;

    internal sealed record PartitionRequest(int Partition, int CurrentLeaderEpoch, long FetchOffset, long LogStartOffset, int PartitionMaxBytes);

    internal sealed record TopicRequest(string Topic, IReadOnlyList<PartitionRequest> Partitions);

    internal sealed class Request
    {
        public int ReplicaId { get; set; } = -1;

        public int MaxWaitMs { get; set; }

        public int MinBytes { get; set; }

        public int MaxBytes { get; set; } = int.MaxValue;

        /// <summary>0 = read_uncommitted, 1 = read_committed.</summary>
        public sbyte IsolationLevel { get; set; }

        public int SessionId { get; set; }

        public int SessionEpoch { get; set; } = -1;

        public List<TopicRequest> Topics { get; } = [];

        public string RackId { get; set; } = "";

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                ReplicaId = reader.ReadInt32(),
                MaxWaitMs = reader.ReadInt32(),
                MinBytes = reader.ReadInt32(),
                MaxBytes = reader.ReadInt32(),
                IsolationLevel = reader.ReadInt8(),
            };
            if (version >= 7)
            {
                request.SessionId = reader.ReadInt32();
                request.SessionEpoch = reader.ReadInt32();
            }

            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionRequest>(count);
                for (var p = 0; p < count; p++)
                {
                    var partition = reader.ReadInt32();
                    var leaderEpoch = version >= 9 ? reader.ReadInt32() : -1;
                    var offset = reader.ReadInt64();
                    if (version >= 12)
                    {
                        reader.ReadInt32(); // last_fetched_epoch: only for replicas
                    }

                    var logStart = version >= 5 ? reader.ReadInt64() : -1;
                    var maxBytes = reader.ReadInt32();
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionRequest(partition, leaderEpoch, offset, logStart, maxBytes));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new TopicRequest(name, partitions));
            }

            if (version >= 7)
            {
                // Forgotten topics only matter to incremental sessions, which this broker never grants.
                var forgotten = reader.ReadNonNullArrayLength(compact);
                for (var f = 0; f < forgotten; f++)
                {
                    reader.ReadString(compact);
                    var count = reader.ReadNonNullArrayLength(compact);
                    for (var p = 0; p < count; p++)
                    {
                        reader.ReadInt32();
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
                }
            }

            if (version >= 11)
            {
                request.RackId = reader.ReadString(compact);
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
            writer.WriteInt32(MaxWaitMs);
            writer.WriteInt32(MinBytes);
            writer.WriteInt32(MaxBytes);
            writer.WriteInt8(IsolationLevel);
            if (version >= 7)
            {
                writer.WriteInt32(SessionId);
                writer.WriteInt32(SessionEpoch);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Topic, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.Partition);
                    if (version >= 9)
                    {
                        writer.WriteInt32(partition.CurrentLeaderEpoch);
                    }

                    writer.WriteInt64(partition.FetchOffset);
                    if (version >= 12)
                    {
                        writer.WriteInt32(-1);
                    }

                    if (version >= 5)
                    {
                        writer.WriteInt64(partition.LogStartOffset);
                    }

                    writer.WriteInt32(partition.PartitionMaxBytes);
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

            if (version >= 7)
            {
                writer.WriteArrayLength(0, compact);
            }

            if (version >= 11)
            {
                writer.WriteString(RackId, compact);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    /// <summary>One partition's answer. <paramref name="Records"/>: whole stored batches, unchanged (empty when there is
    /// nothing). <see cref="AbortedTransactions"/>: null at read_uncommitted (as Kafka sends it), the aborted transactions
    /// among the records at read_committed.</summary>
    internal sealed record PartitionResponse(int PartitionIndex, KafkaErrorCode ErrorCode, long HighWatermark, long LastStableOffset, long LogStartOffset, ReadOnlyMemory<byte> Records)
    {
        public IReadOnlyList<AbortedTransaction>? AbortedTransactions { get; init; }
    }

    /// <summary>Kafka's aborted_transactions entry: the producer and the first offset of its aborted transaction.</summary>
    internal readonly record struct AbortedTransaction(long ProducerId, long FirstOffset);

    internal sealed record TopicResponse(string Topic, IReadOnlyList<PartitionResponse> Partitions);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public KafkaErrorCode ErrorCode { get; set; }

        public int SessionId { get; set; }

        public List<TopicResponse> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            if (version >= 7)
            {
                writer.WriteInt16((short)ErrorCode);
                writer.WriteInt32(SessionId);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Topic, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt16((short)partition.ErrorCode);
                    writer.WriteInt64(partition.HighWatermark);
                    writer.WriteInt64(partition.LastStableOffset);
                    if (version >= 5)
                    {
                        writer.WriteInt64(partition.LogStartOffset);
                    }

                    writer.WriteArrayLength(partition.AbortedTransactions?.Count ?? -1, compact);
                    foreach (var aborted in partition.AbortedTransactions ?? [])
                    {
                        writer.WriteInt64(aborted.ProducerId);
                        writer.WriteInt64(aborted.FirstOffset);
                        if (compact)
                        {
                            writer.WriteEmptyTaggedFields();
                        }
                    }

                    if (version >= 11)
                    {
                        writer.WriteInt32(-1); // preferred read replica: none
                    }

                    writer.WriteBytesShared(partition.Records, compact);
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
            var response = new Response { ThrottleTimeMs = reader.ReadInt32() };
            if (version >= 7)
            {
                response.ErrorCode = (KafkaErrorCode)reader.ReadInt16();
                response.SessionId = reader.ReadInt32();
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
                    var highWatermark = reader.ReadInt64();
                    var lastStable = reader.ReadInt64();
                    var logStart = version >= 5 ? reader.ReadInt64() : -1;
                    var abortedCount = reader.ReadArrayLength(compact);
                    var aborted = abortedCount < 0 ? null : new List<AbortedTransaction>(abortedCount);
                    for (var a = 0; a < abortedCount; a++)
                    {
                        aborted!.Add(new AbortedTransaction(reader.ReadInt64(), reader.ReadInt64()));
                        if (compact)
                        {
                            reader.SkipTaggedFields();
                        }
                    }

                    if (version >= 11)
                    {
                        reader.ReadInt32();
                    }

                    var records = reader.ReadNullableBytes(compact);
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionResponse(index, error, highWatermark, lastStable, logStart, records is { } r ? r.ToArray() : ReadOnlyMemory<byte>.Empty)
                    {
                        AbortedTransactions = aborted,
                    });
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
