using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeTopicGrain(FakeBroker broker) : Grain, ITopicGrain
{
    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["retention.ms"] = "604800000",
        ["cleanup.policy"] = "delete",
        ["max.message.bytes"] = "1048588",
    };

    public ValueTask<Grains.TopicDescription> CreateAsync(int partitions, IReadOnlyDictionary<string, string>? config, CancellationToken cancellationToken = default)
    {
        var name = this.GetPrimaryKeyString();
        if (name.Length is 0 or > 249 || name is "." or ".." || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            throw new RunnelException(RunnelErrorCode.InvalidTopicName, $"'{name}' is not a valid topic name.");
        }

        if (partitions is < 1 or > 10_000)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"partitions must be 1-10000 (was {partitions}).");
        }

        var effective = new Dictionary<string, string>(Defaults);
        foreach (var (k, v) in config ?? new Dictionary<string, string>())
        {
            Check(k);
            effective[k] = v;
        }

        var topic = new FakeTopic(name, partitions, effective, DateTimeOffset.UtcNow);
        if (!broker.Topics.TryAdd(name, topic))
        {
            throw new RunnelException(RunnelErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        }

        return ValueTask.FromResult(Describe(topic));
    }

    public ValueTask<Grains.TopicDescription> DescribeAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Describe(Get()));

    public ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        var topic = Get();
        broker.Topics.TryRemove(topic.Name, out _);
        foreach (var key in broker.Logs.Keys.Where(k => k.StartsWith(topic.Name + "/", StringComparison.Ordinal)))
        {
            broker.Logs.TryRemove(key, out _);
        }

        return default;
    }

    public ValueTask<Grains.TopicDescription> AlterConfigAsync(IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default)
    {
        var topic = Get();
        foreach (var (k, v) in changes)
        {
            Check(k);
            if (v is null)
            {
                topic.Config[k] = Defaults[k];
            }
            else
            {
                topic.Config[k] = v;
            }
        }

        return ValueTask.FromResult(Describe(topic));
    }

    public ValueTask<Grains.TopicDescription> AddPartitionsAsync(int totalPartitions, CancellationToken cancellationToken = default)
    {
        var topic = Get();
        if (totalPartitions < topic.Partitions)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Topic '{topic.Name}' has {topic.Partitions} partitions; it cannot shrink to {totalPartitions}.");
        }

        topic.Partitions = totalPartitions;
        return ValueTask.FromResult(Describe(topic));
    }

    private static void Check(string key)
    {
        if (!Defaults.ContainsKey(key))
        {
            throw new RunnelException(RunnelErrorCode.InvalidConfig, $"Unknown topic config '{key}'.");
        }
    }

    private FakeTopic Get() => broker.Topics.TryGetValue(this.GetPrimaryKeyString(), out var topic)
        ? topic
        : throw new RunnelException(RunnelErrorCode.UnknownTopic, $"Topic '{this.GetPrimaryKeyString()}' does not exist.");

    private static Grains.TopicDescription Describe(FakeTopic topic) =>
        new(topic.Name, topic.Partitions, new Dictionary<string, string>(topic.Config), topic.CreatedAt);
}
