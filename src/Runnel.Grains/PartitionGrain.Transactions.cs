namespace Runnel.Grains;

public sealed partial class PartitionGrain
{
    public ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default) =>
        throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Partition '{Name}' does not take transaction markers yet.");
}
