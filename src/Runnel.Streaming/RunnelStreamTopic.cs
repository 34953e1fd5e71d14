namespace Runnel.Streaming;

/// <summary>The Runnel topic a stream namespace is written to, and its partition count (the number of queues).</summary>
public sealed record RunnelStreamTopic(string Topic, int Partitions);
