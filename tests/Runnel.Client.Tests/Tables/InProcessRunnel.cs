using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing.Cluster;

namespace Runnel.Client.Tests.Tables;

/// <summary>One in-process silo (Orleans' test cluster) hosting Runnel's real grains on a given store, and a connection
/// over its client. Disposing stops the silo gracefully; a new one over the same store is the same cluster restarted.</summary>
internal sealed class InProcessRunnel : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly InProcessTestCluster _cluster;

    private InProcessRunnel(InProcessTestCluster cluster)
    {
        _cluster = cluster;
        Connection = RunnelConnection.FromGrainFactory(cluster.Client);
    }

    public RunnelConnection Connection { get; }

    public static async Task<InProcessRunnel> StartAsync(IObjectStore store)
    {
        var cluster = RunnelTestCluster.Build(1, store, configureSilo: silo =>
        {
            silo.AddRunnel(_ => store);

            // This assembly's fake grains (Fakes/, for FakeCluster) are found too: leave only the real ones, so no grain
            // interface has two implementations (which Orleans resolves to none, or by name).
            silo.Services.PostConfigure<GrainTypeOptions>(o => o.Classes.RemoveWhere(t => t.Namespace == typeof(Fakes.FakeBroker).Namespace));
        }, configureClient: client => client.AddRunnel());
        await cluster.DeployAsync().WaitAsync(Guard);
        return new InProcessRunnel(cluster);
    }

    public static string NewTopic() => "tbl-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Every record of the topic as stored, grouped by the stored batch it is in (read with the batches' bytes
    /// unchanged): partition → batches → (offset, key, row kind, value).</summary>
    public async Task<Dictionary<int, List<List<(long Offset, string? Key, RowKind Kind, string? Value)>>>> ReadStoredBatchesAsync(string topic)
    {
        var marks = await Connection.Admin.GetTopicOffsetsAsync(topic).WaitAsync(Guard);
        var result = new Dictionary<int, List<List<(long, string?, RowKind, string?)>>>();
        await using var consumer = (Consumer<byte[], byte[]>)Connection.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest });
        var pending = Enumerable.Range(0, marks.Count).Where(p => marks[p].HighWatermark > marks[p].LogStartOffset).ToHashSet();
        consumer.Assign(Enumerable.Range(0, marks.Count).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        for (var p = 0; p < marks.Count; p++)
        {
            result[p] = [];
        }

        using var cts = new CancellationTokenSource(Guard);
        if (pending.Count > 0)
        {
            await foreach (var chunk in consumer.ConsumeBatchesAsync(cts.Token))
            {
                foreach (var batch in new RecordBatchReader(chunk.RawBatches))
                {
                    var records = new List<(long, string?, RowKind, string?)>();
                    using var stored = batch.ReadRecords();
                    foreach (var record in stored)
                    {
                        var kind = RowKind.None;
                        foreach (var header in record.Headers)
                        {
                            if (header.Key == RowKindHeader.Key)
                            {
                                kind = RowKindHeader.Decode(header.Value!.Value.Span);
                            }
                        }

                        records.Add((record.Offset, record.Key is { } k ? System.Text.Encoding.UTF8.GetString(k.Span) : null, kind,
                            record.Value is { } v ? System.Text.Encoding.UTF8.GetString(v.Span) : null));
                    }

                    result[chunk.Partition].Add(records);
                }

                if (chunk.LastOffset + 1 >= marks[chunk.Partition].HighWatermark && pending.Remove(chunk.Partition) && pending.Count == 0)
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>Kills the silo (no graceful deactivation: partitions are not released, nothing is flushed on the way
    /// out), then disposes the test cluster. What was acknowledged must be in the store.</summary>
    public async Task KillAsync()
    {
        await Connection.DisposeAsync();
        foreach (var silo in _cluster.Silos.ToList())
        {
            await _cluster.KillSiloAsync(silo);
        }

        await _cluster.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }
}
