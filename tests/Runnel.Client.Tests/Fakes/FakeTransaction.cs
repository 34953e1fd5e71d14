using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

/// <summary>One transactional id's state in the fake coordinator; guarded by its own lock.</summary>
public sealed class FakeTransaction(string id)
{
    public string Id { get; } = id;

    public long ProducerId { get; set; } = -1;

    public short Epoch { get; set; }

    public TransactionStatus Status { get; set; }

    public TimeSpan Timeout { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public List<TransactionPartition> Partitions { get; } = [];

    public List<string> Groups { get; } = [];

    /// <summary>Every ended transaction: commit or abort, with its partitions.</summary>
    public List<(bool Commit, TransactionPartition[] Partitions, short Epoch)> Ended { get; } = [];

    public Grains.TransactionDescription Describe() =>
        new(Id, ProducerId, Epoch, Status, Timeout, StartedAt, [.. Partitions], [.. Groups]);
}
