using Runnel.Grains;
using Runnel.Runtime;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeProducerIdGrain(FakeBroker broker) : Grain, IProducerIdGrain
{
    public ValueTask<ProducerIdentity> AllocateAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new ProducerIdentity(broker.AllocateProducerId(), 0));
}
