using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeProducerIdGrain(FakeBroker broker) : Grain, IProducerIdGrain
{
    public ValueTask<ProducerIdentity> AllocateAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new ProducerIdentity(broker.AllocateProducerId(), 0));
}
