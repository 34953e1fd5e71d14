using Runnel.Persistence.Tests.Contract;

namespace Runnel.Persistence.Tests.Cluster;

/// <summary>Keeps its state in the grain storage named "runnel" (Runnel's provider on the object store).</summary>
public sealed class RunnelStateTestGrain([PersistentState("s", "runnel")] IPersistentState<CounterState> state, ILocalSiloDetails silo)
    : StateTestGrainBase(state, silo);

/// <summary>Keeps its state in the grain storage named "azure" (Orleans' Azure blob provider, chosen through
/// <see cref="RunnelGrainStorageBackend.AzureBlob"/>).</summary>
public sealed class AzureStateTestGrain([PersistentState("s", "azure")] IPersistentState<CounterState> state, ILocalSiloDetails silo)
    : StateTestGrainBase(state, silo);

public abstract class StateTestGrainBase(IPersistentState<CounterState> state, ILocalSiloDetails silo) : Grain, IStateTestGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task AddAsync(string item)
    {
        state.State.Items.Add(item);
        state.State.Total++;
        await state.WriteStateAsync();
    }

    public Task<StateSnapshot> GetAsync() =>
        Task.FromResult(new StateSnapshot([.. state.State.Items], state.RecordExists, state.Etag, silo.SiloAddress, _activation));

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
