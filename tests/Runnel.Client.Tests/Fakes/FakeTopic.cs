namespace Runnel.Client.Tests.Fakes;

public sealed class FakeTopic(string name, int partitions, Dictionary<string, string> config, DateTimeOffset createdAt)
{
    public string Name { get; } = name;

    public int Partitions { get; set; } = partitions;

    public Dictionary<string, string> Config { get; } = config;

    public DateTimeOffset CreatedAt { get; } = createdAt;
}
