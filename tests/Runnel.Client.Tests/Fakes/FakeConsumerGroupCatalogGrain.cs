using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeConsumerGroupCatalogGrain(FakeBroker broker) : Grain, IConsumerGroupCatalogGrain
{
    public ValueTask<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<string>>([.. broker.Groups.Values.Where(g => g.Exists).Select(g => g.Id).Order(StringComparer.Ordinal)]);
}
