namespace Runnel.Persistence.Tests.Cluster;

/// <summary>A grain that keeps a list in persistent state and says where and what it is. (Orleans' interface is
/// spelled in full: Runnel.Abstractions has a Runnel.IGrainWithStringKey that would win the name lookup.)</summary>
public interface IStateTestGrain : global::Orleans.IGrainWithStringKey
{
    /// <summary>Appends <paramref name="item"/> and writes the state.</summary>
    Task AddAsync(string item);

    Task<StateSnapshot> GetAsync();

    /// <summary>Asks Orleans to deactivate this activation once the call returns.</summary>
    Task DeactivateAsync();
}

/// <summary>What an activation holds: its state as read or last written, where it runs, and which activation it is.</summary>
[GenerateSerializer]
public sealed record StateSnapshot(
    [property: Id(0)] string[] Items,
    [property: Id(1)] bool RecordExists,
    [property: Id(2)] string? ETag,
    [property: Id(3)] SiloAddress Silo,
    [property: Id(4)] Guid Activation);
