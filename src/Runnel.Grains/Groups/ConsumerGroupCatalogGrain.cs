using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// The list of consumer groups (<see cref="IConsumerGroupCatalogGrain"/>), read from the store on every call so that
/// every silo answers the same: a group exists while its log's manifest <c>groups/{group}/manifest</c> does. Holds no state.
/// </summary>
/// <remarks>Cost: one listing of every blob under <c>groups/</c> (segments included, 1,000 names per page).</remarks>
[GrainType("runnel.consumer-group-catalog")]
public sealed class ConsumerGroupCatalogGrain(IObjectStore store) : Grain, IConsumerGroupCatalogGrain
{
    public async ValueTask<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default)
    {
        var groups = new List<string>();
        await foreach (var blob in store.ListAllAsync(StoragePaths.GroupsPrefix, cancellationToken: cancellationToken))
        {
            if (StoragePaths.GroupOfManifest(blob.Name) is { } group)
            {
                groups.Add(group);
            }
        }

        return [.. groups.Order(StringComparer.Ordinal)];
    }
}
