using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

/// <summary>A member of a <see cref="FakeGroup"/>.</summary>
public sealed record FakeMember(string Id, string? InstanceId, string ClientId)
{
    public int Epoch { get; set; }

    public DateTimeOffset LastHeartbeat { get; set; }

    public TimeSpan SessionTimeout { get; set; }

    public List<string> Topics { get; set; } = [];

    /// <summary>What the member reported owning in its last heartbeat.</summary>
    public List<GroupPartition> Owned { get; set; } = [];

    /// <summary>What the assignor gives it.</summary>
    public List<GroupPartition> Target { get; set; } = [];

    /// <summary>What the last heartbeat answered.</summary>
    public List<GroupPartition> LastAssignment { get; set; } = [];

    public bool Departed { get; set; }
}
