namespace Runnel.Kafka.Protocol;

/// <summary>Kafka API keys (the first int16 of every request). Only the ones the listener knows are named.</summary>
internal enum ApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    ApiVersions = 18,
    CreateTopics = 19,
    DeleteTopics = 20,
    InitProducerId = 22,
}
