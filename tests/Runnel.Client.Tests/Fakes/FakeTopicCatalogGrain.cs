using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeTopicCatalogGrain(FakeBroker broker) : Grain, ITopicCatalogGrain
{
    public ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<string>>([.. broker.Topics.Keys.Order(StringComparer.Ordinal)]);
}
