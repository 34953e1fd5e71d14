using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakeTransactionCatalogGrain(FakeBroker broker) : Grain, ITransactionCatalogGrain
{
    public ValueTask<IReadOnlyList<Grains.TransactionDescription>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<Grains.TransactionDescription>();
        foreach (var state in broker.Transactions.Values.OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            lock (state)
            {
                if (state.ProducerId >= 0)
                {
                    list.Add(state.Describe());
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<Grains.TransactionDescription>>(list);
    }
}
